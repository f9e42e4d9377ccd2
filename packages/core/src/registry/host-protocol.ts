import { ErrorCode, SessionKVError, invalidArgument, isSessionKVError } from "../errors.js";
import type { Lifecycle } from "../lifecycle.js";
import type { MsetEntry, SessionKVStore } from "../types.js";
import { closeRequestKey, drainRequestKey, nodeKey, sessionKey } from "./keys.js";
import {
  type DrainRequest,
  type NodeRecordContent,
  decodeNodeRecord,
  drainRequestFor,
  encodeNodeRecord,
  validateLabels,
} from "./node-record.js";
import { encodeRecord, freshRecord, withMetrics } from "./record.js";
import type { SessionMetrics, StoredSession } from "./session-info.js";
import type { RecordsAndFlags, SessionRecords } from "./session-records.js";
import { validateIds, validateMetrics, validateSessions, validateTimestamp } from "./validate.js";

/**
 * What one `poll` found for the sessions it was given: records after the refresh, and close
 * requests; with `node`, what it found of the node's own record and drain flag.
 */
export interface PollResult extends RecordsAndFlags {
  readonly node?: NodePollResult;
}

/** The run of this node a `poll` refreshes the node record of: its host's start time. */
export interface NodeBeat {
  /** Epoch ms the node's host started, as written in its node record. */
  readonly startedAt: number;
}

export interface NodePollResult {
  /** Whether this run's node record was there after its refresh (else the host writes it again). */
  readonly recordFound: boolean;
  /** A drain request for this run of the node, or null. */
  readonly drainRequested: DrainRequest | null;
}

/** One record to (re)write in `publish`. */
export interface SessionWrite {
  readonly callId: string;
  readonly sessionId: string;
  readonly startedAt: number;
  readonly metrics: SessionMetrics;
  /**
   * The record as last read: its unknown fields and `started_at` are kept. Null writes a fresh
   * record, as a claim: it never overwrites a record another writer put there since.
   */
  readonly previous: StoredSession | null;
  /** Epoch ms of the session's deadline, written into a fresh record. */
  readonly deadline?: number;
}

/**
 * A write `publish` left out, the others were written: the store refuses its record's size, or a
 * fresh record found another writer's record in place (claimed since it was read).
 */
export interface SkippedWrite {
  readonly callId: string;
  readonly sessionId: string;
  /** ERR_VALUE_TOO_LARGE, with the record's size in the message; or ERR_SESSION_EXISTS. */
  readonly error: SessionKVError;
}

/** A session this node registered, named by its start time, for `removeOwned`. */
export interface OwnedSession {
  readonly callId: string;
  readonly sessionId: string;
  /** The `startedAt` it was registered with. */
  readonly startedAt: number;
}

/**
 * What a `SessionHost` (or another scheduler of heartbeats) asks of a registry, beside its
 * application API: batched reads and writes of every session a node owns, and removals ordered by
 * their caller. "Registry: host protocol" in the README describes each call and its store cost.
 */
export interface HostProtocol {
  /**
   * `refresh` of every session, then one `mget` of their records and close flags together; with
   * `node`, the node record is refreshed and read, and the drain flag read, in those same two calls.
   * `alsoRefresh` are further keys (seats) whose TTL the same `expire` extends.
   */
  poll(
    sessions: ReadonlyMap<string, string>,
    node?: NodeBeat,
    alsoRefresh?: readonly string[],
  ): Promise<PollResult>;
  /**
   * Writes records of sessions this node owns in one `mset`, with the node record when `node` is
   * given; session records too large are left out and returned. A fresh record is a claim: one
   * another node registered since it was read missing is left, and returned.
   */
  publish(writes: readonly SessionWrite[], node?: NodeRecordContent): Promise<SkippedWrite[]>;
  /**
   * The ids among `sessions` whose close flag targets the record as it is now: one `mget` of their
   * records and flags, without a refresh. What a doorbell leads to (README, "Push close").
   */
  readCloseRequests(sessions: ReadonlyMap<string, string>): Promise<string[]>;
  /** Deletes the records and close flags of many sessions (sessionId → callId), in one store call. */
  removeMany(sessions: ReadonlyMap<string, string>): Promise<void>;
  /** `removeMany` that leaves alone every session registered again since, here or on another node. */
  removeOwned(sessions: readonly OwnedSession[]): Promise<void>;
  /** Deletes this node's record and drain flag, in one store call: for a host that stops. */
  removeNode(): Promise<void>;
}

/** The registry's side of the host protocol, sharing its store, record reads and lifecycle. */
export interface RegistryParts {
  readonly store: SessionKVStore;
  readonly nodeId: string;
  readonly ttlMs: number;
  readonly records: SessionRecords;
  readonly lifecycle: Lifecycle;
}

/** `HostProtocol` over a registry's store. Arguments are validated before any I/O. */
export class RegistryHostProtocol implements HostProtocol {
  readonly #store: SessionKVStore;
  readonly #nodeId: string;
  readonly #ttlMs: number;
  readonly #records: SessionRecords;
  readonly #lifecycle: Lifecycle;
  /** The node's keys the cycle refreshes, and those it reads: the same arrays every cycle. */
  readonly #nodeRefresh: readonly string[];
  readonly #nodeRead: readonly string[];
  /** The last node keys and extra keys refreshed together, kept while `alsoRefresh` is the same array. */
  #lastTail: { extra: readonly string[]; keys: readonly string[] } | undefined;

  constructor(parts: RegistryParts) {
    this.#store = parts.store;
    this.#nodeId = parts.nodeId;
    this.#ttlMs = parts.ttlMs;
    this.#records = parts.records;
    this.#lifecycle = parts.lifecycle;
    this.#nodeRefresh = Object.freeze([nodeKey(parts.nodeId)]);
    this.#nodeRead = Object.freeze([nodeKey(parts.nodeId), drainRequestKey(parts.nodeId)]);
  }

  /**
   * A maintenance cycle's reads in two store calls: one `expire` of every record (and of the node
   * record), then one `mget` of their records and close flags (and of the node record and drain
   * flag) together. Without `node` and sessions it makes no store call.
   */
  async poll(
    sessions: ReadonlyMap<string, string>,
    node?: NodeBeat,
    alsoRefresh: readonly string[] = [],
  ): Promise<PollResult> {
    const plan = this.#records.plan(sessions);
    if (node !== undefined) {
      if (node === null || typeof node !== "object") throw invalidArgument("node", "must be an object");
      validateTimestamp(node.startedAt, "node.startedAt");
    }
    if (!Array.isArray(alsoRefresh)) throw invalidArgument("alsoRefresh", "must be an array of keys");
    this.#lifecycle.assertStarted("poll");
    if (node === undefined) {
      if (plan.records.length === 0) {
        if (alsoRefresh.length > 0) await this.#store.expire(alsoRefresh, this.#ttlMs);
        return { records: new Map(), closeRequested: [] };
      }
      const refresh = alsoRefresh.length === 0 ? plan.preparedRecords : plan.recordsWithTail(alsoRefresh);
      await this.#store.expire(refresh, this.#ttlMs);
      return this.#records.withFlags(plan);
    }
    const tail = this.#refreshTail(alsoRefresh);
    const refresh = plan.records.length === 0 ? tail : plan.recordsWithTail(tail);
    await this.#store.expire(refresh, this.#ttlMs);
    const { tail: read, ...recordsAndFlags } = await this.#records.withFlagsAndTail(plan, this.#nodeRead);
    return { ...recordsAndFlags, node: this.#nodePoll(node, read[0] ?? null, read[1] ?? null) };
  }

  /**
   * The node record's key, then the extra keys, as one frozen array kept while `extra` stays the
   * same array: the key plan prepares it once with the records (see KeyPlan.recordsWithTail), and a host
   * passes the same seat keys cycle after cycle.
   */
  #refreshTail(extra: readonly string[]): readonly string[] {
    if (extra.length === 0) return this.#nodeRefresh;
    const last = this.#lastTail;
    if (last !== undefined && last.extra === extra) return last.keys;
    const keys = Object.freeze([...this.#nodeRefresh, ...extra]);
    this.#lastTail = { extra, keys };
    return keys;
  }

  #nodePoll(node: NodeBeat, record: Uint8Array | null, flag: Uint8Array | null): NodePollResult {
    let recordFound = false;
    if (record !== null) {
      const decoded = decodeNodeRecord(record, this.#nodeId);
      if (decoded.ok) recordFound = decoded.record.started_at === node.startedAt / 1000;
      else this.#records.skip(nodeKey(this.#nodeId), decoded.reason);
    }
    const drainRequested = flag === null ? null : drainRequestFor(flag, this.#nodeId, node.startedAt);
    return { recordFound, drainRequested };
  }

  /** The poll's close decision (`flagTargets` against the record read) for a few sessions. */
  async readCloseRequests(sessions: ReadonlyMap<string, string>): Promise<string[]> {
    validateSessions(sessions, this.#store.capabilities);
    this.#lifecycle.assertStarted("readCloseRequests");
    return this.#records.closeRequestsOf(sessions);
  }

  /**
   * Writes records of sessions this node owns in one `mset`: fresh ones where `previous` is null
   * (re-registration), merged ones otherwise (new metrics, this node's `ttl_ms`, every other field
   * kept). Unlike `updateMetrics` it does not check existence: the caller must own the sessions
   * and must not run it concurrently with their removal (SessionHost serialises the two).
   *
   * A record the store refuses for its size (another writer grew it) is left out and returned,
   * so that one session never keeps the others from being written.
   */
  async publish(writes: readonly SessionWrite[], node?: NodeRecordContent): Promise<SkippedWrite[]> {
    if (!Array.isArray(writes)) throw invalidArgument("writes", "must be an array");
    writes.forEach((w, i) => {
      validateIds(w?.callId, w?.sessionId, this.#store.capabilities);
      validateTimestamp(w.startedAt, `writes[${i}].startedAt`);
      validateMetrics(w.metrics, `writes[${i}].metrics`);
    });
    if (node !== undefined) validateNodeContent(node);
    this.#lifecycle.assertStarted("publish");
    if (writes.length === 0 && node === undefined) return [];
    const now = Date.now();
    const { maxValueBytes } = this.#store.capabilities;
    const skipped: SkippedWrite[] = [];
    const entries: (MsetEntry & { write: SessionWrite })[] = [];
    const fresh: (MsetEntry & { write: SessionWrite })[] = [];
    for (const w of writes) {
      const record =
        w.previous === null
          ? freshRecord({
              sessionId: w.sessionId,
              callId: w.callId,
              nodeId: this.#nodeId,
              startedAt: w.startedAt,
              metrics: w.metrics,
              now,
              ttlMs: this.#ttlMs,
              deadline: w.deadline,
            })
          : { ...withMetrics(w.previous.record, w.metrics, now), ttl_ms: this.#ttlMs };
      const value = encodeRecord(record);
      if (value.byteLength > maxValueBytes) skipped.push(tooLarge(w, value.byteLength, maxValueBytes));
      else
        (w.previous === null ? fresh : entries).push({
          key: sessionKey(w.callId, w.sessionId),
          value,
          ttlMs: this.#ttlMs,
          write: w,
        });
    }
    const nodeEntry: MsetEntry[] =
      node === undefined
        ? []
        : [
            {
              key: nodeKey(this.#nodeId),
              value: encodeNodeRecord(this.#nodeId, node, now, this.#ttlMs),
              ttlMs: this.#ttlMs,
            },
          ];
    // Fresh records are claims, in parallel with the mset: healing never overwrites a record
    // another node registered since the read.
    const claims = Promise.all(fresh.map((entry) => this.#claim(entry)));
    const [claimed] = await Promise.all([claims, this.#write(entries, nodeEntry, skipped)]);
    for (const lost of claimed) if (lost !== undefined) skipped.push(lost);
    return skipped;
  }
  async #claim(entry: MsetEntry & { write: SessionWrite }): Promise<SkippedWrite | undefined> {
    const { callId, sessionId } = entry.write;
    try {
      if (await this.#store.setIfAbsent(entry.key, entry.value, entry.ttlMs)) return undefined;
      // A record nobody can read is owned by nobody: it is replaced, as before claims. Only a
      // lost claim pays this read.
      const raw = await this.#store.get(entry.key);
      if (raw !== null && this.#records.decode(entry.key, raw, callId, sessionId) === null) {
        await this.#store.set(entry.key, entry.value, entry.ttlMs);
        return undefined;
      }
    } catch (failed) {
      if (!isSessionKVError(failed, ErrorCode.VALUE_TOO_LARGE)) throw failed;
      return { callId, sessionId, error: failed };
    }
    const error = new SessionKVError(
      ErrorCode.SESSION_EXISTS,
      `the record of session ${JSON.stringify(`${callId}/${sessionId}`)} was written by another writer since it was read missing; it was left as it is`,
      { details: { callId, sessionId } },
    );
    return { callId, sessionId, error };
  }

  async #write(
    entries: readonly (MsetEntry & { write: SessionWrite })[],
    nodeEntry: readonly MsetEntry[],
    skipped: SkippedWrite[],
  ): Promise<void> {
    if (entries.length === 0 && nodeEntry.length === 0) return;
    try {
      await this.#store.mset([
        ...entries.map(({ key, value, ttlMs }) => ({ key, value, ttlMs })),
        ...nodeEntry,
      ]);
    } catch (error) {
      // A server may refuse sizes below the declared limit; then each record goes on its own.
      if (!isSessionKVError(error, ErrorCode.VALUE_TOO_LARGE)) throw error;
      // The node record's size was checked against the limit when the host was built.
      for (const entry of nodeEntry) await this.#store.set(entry.key, entry.value, entry.ttlMs);
      for (const entry of entries) {
        await this.#store.set(entry.key, entry.value, entry.ttlMs).catch((failed: unknown) => {
          if (!isSessionKVError(failed, ErrorCode.VALUE_TOO_LARGE)) throw failed;
          skipped.push({ callId: entry.write.callId, sessionId: entry.write.sessionId, error: failed });
        });
      }
    }
  }

  /** `remove` for many sessions (sessionId → callId), in one store call. */
  async removeMany(sessions: ReadonlyMap<string, string>): Promise<void> {
    validateSessions(sessions, this.#store.capabilities);
    this.#lifecycle.assertStarted("removeMany");
    if (sessions.size === 0) return;
    const keys: string[] = [];
    for (const [sessionId, callId] of sessions)
      keys.push(sessionKey(callId, sessionId), closeRequestKey(callId, sessionId));
    await this.#store.delete(keys);
  }

  async removeNode(): Promise<void> {
    this.#lifecycle.assertStarted("removeNode");
    await this.#store.delete(this.#nodeRead);
  }

  /**
   * `removeMany` for sessions this node registered, each named by its start time: one `mget` of
   * their records, then one `delete` of the keys of those whose record is missing, unreadable or
   * still that registration's. A session registered again since, here or on another node, keeps
   * its record and close flag. For retrying a removal that failed.
   */
  async removeOwned(sessions: readonly OwnedSession[]): Promise<void> {
    if (!Array.isArray(sessions)) throw invalidArgument("sessions", "must be an array");
    sessions.forEach((s, i) => {
      validateIds(s?.callId, s?.sessionId, this.#store.capabilities);
      validateTimestamp(s.startedAt, `sessions[${i}].startedAt`);
    });
    this.#lifecycle.assertStarted("removeOwned");
    if (sessions.length === 0) return;
    const values = await this.#store.mget(sessions.map((s) => sessionKey(s.callId, s.sessionId)));
    const keys: string[] = [];
    sessions.forEach((s, i) => {
      const key = sessionKey(s.callId, s.sessionId);
      const current = this.#records.decode(key, values[i] ?? null, s.callId, s.sessionId);
      const ours =
        current === null ||
        (current.record.node_id === this.#nodeId && current.record.started_at === s.startedAt / 1000);
      if (ours) keys.push(key, closeRequestKey(s.callId, s.sessionId));
    });
    if (keys.length > 0) await this.#store.delete(keys);
  }
}

function validateNodeContent(node: NodeRecordContent): void {
  if (node === null || typeof node !== "object") throw invalidArgument("node", "must be an object");
  validateTimestamp(node.startedAt, "node.startedAt");
  if (!Number.isSafeInteger(node.sessions) || node.sessions < 0)
    throw invalidArgument("node.sessions", `must be an integer >= 0, got ${String(node.sessions)}`);
  if (typeof node.draining !== "boolean") throw invalidArgument("node.draining", "must be a boolean");
  validateLabels(node.labels, "node.labels");
}

function tooLarge(write: SessionWrite, bytes: number, limit: number): SkippedWrite {
  const error = new SessionKVError(
    ErrorCode.VALUE_TOO_LARGE,
    `the record of session ${JSON.stringify(`${write.callId}/${write.sessionId}`)} would be ${bytes} bytes; this store accepts at most ${limit}`,
  );
  return { callId: write.callId, sessionId: write.sessionId, error };
}
