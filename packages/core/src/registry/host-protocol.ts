import { ErrorCode, SessionKVError, invalidArgument, isSessionKVError } from "../errors.js";
import type { Lifecycle } from "../lifecycle.js";
import type { MsetEntry, SessionKVStore } from "../types.js";
import { closeRequestKey, sessionKey } from "./keys.js";
import { encodeRecord, freshRecord, withMetrics } from "./record.js";
import type { SessionMetrics, StoredSession } from "./session-info.js";
import type { RecordsAndFlags, SessionRecords } from "./session-records.js";
import { validateIds, validateMetrics, validateSessions, validateTimestamp } from "./validate.js";

/** What one `poll` found for the sessions it was given: records after the refresh, and close requests. */
export type PollResult = RecordsAndFlags;

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
   * `refresh` of every session, then one `mget` of their records and close flags together.
   * `alsoRefresh` are further keys (seats) whose TTL the same `expire` extends.
   */
  poll(sessions: ReadonlyMap<string, string>, alsoRefresh?: readonly string[]): Promise<PollResult>;
  /** Writes records of sessions this node owns in one `mset`; those too large are left out and returned. */
  publish(writes: readonly SessionWrite[]): Promise<SkippedWrite[]>;
  /** Deletes the records and close flags of many sessions (sessionId → callId), in one store call. */
  removeMany(sessions: ReadonlyMap<string, string>): Promise<void>;
  /** `removeMany` that leaves alone every session registered again since, here or on another node. */
  removeOwned(sessions: readonly OwnedSession[]): Promise<void>;
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
  #lastRefresh: { records: readonly string[]; extra: readonly string[]; keys: readonly string[] } | undefined;

  constructor(parts: RegistryParts) {
    this.#store = parts.store;
    this.#nodeId = parts.nodeId;
    this.#ttlMs = parts.ttlMs;
    this.#records = parts.records;
    this.#lifecycle = parts.lifecycle;
  }

  /**
   * A maintenance cycle's reads in two store calls: one `expire` of every record, then one `mget`
   * of their records and close flags together.
   */
  async poll(
    sessions: ReadonlyMap<string, string>,
    alsoRefresh: readonly string[] = [],
  ): Promise<PollResult> {
    const plan = this.#records.plan(sessions);
    if (!Array.isArray(alsoRefresh)) throw invalidArgument("alsoRefresh", "must be an array of keys");
    this.#lifecycle.assertStarted("poll");
    const refreshed = this.#refreshKeys(plan.records, alsoRefresh);
    if (refreshed.length > 0) await this.#store.expire(refreshed, this.#ttlMs);
    if (plan.records.length === 0) return { records: new Map(), closeRequested: [] };
    return this.#records.withFlags(plan);
  }

  /**
   * The records' keys and the extra keys as one frozen array, kept while both stay the same arrays:
   * a store memoises what it derives from a frozen key array (see BaseSessionKVStore), and a host
   * passes the same two arrays cycle after cycle.
   */
  #refreshKeys(records: readonly string[], extra: readonly string[]): readonly string[] {
    if (extra.length === 0) return records;
    const last = this.#lastRefresh;
    if (last !== undefined && last.records === records && last.extra === extra) return last.keys;
    const keys = Object.freeze([...records, ...extra]);
    this.#lastRefresh = { records, extra, keys };
    return keys;
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
  async publish(writes: readonly SessionWrite[]): Promise<SkippedWrite[]> {
    if (!Array.isArray(writes)) throw invalidArgument("writes", "must be an array");
    writes.forEach((w, i) => {
      validateIds(w?.callId, w?.sessionId, this.#store.capabilities);
      validateTimestamp(w.startedAt, `writes[${i}].startedAt`);
      validateMetrics(w.metrics, `writes[${i}].metrics`);
    });
    this.#lifecycle.assertStarted("publish");
    if (writes.length === 0) return [];
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
    // Fresh records are claims, in parallel with the mset: healing never overwrites a record
    // another node registered since the read.
    const claims = Promise.all(fresh.map((entry) => this.#claim(entry)));
    const [claimed] = await Promise.all([claims, this.#write(entries, skipped)]);
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
    skipped: SkippedWrite[],
  ): Promise<void> {
    if (entries.length === 0) return;
    try {
      await this.#store.mset(entries.map(({ key, value, ttlMs }) => ({ key, value, ttlMs })));
    } catch (error) {
      // A server may refuse sizes below the declared limit; then each record goes on its own.
      if (!isSessionKVError(error, ErrorCode.VALUE_TOO_LARGE)) throw error;
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

function tooLarge(write: SessionWrite, bytes: number, limit: number): SkippedWrite {
  const error = new SessionKVError(
    ErrorCode.VALUE_TOO_LARGE,
    `the record of session ${JSON.stringify(`${write.callId}/${write.sessionId}`)} would be ${bytes} bytes; this store accepts at most ${limit}`,
  );
  return { callId: write.callId, sessionId: write.sessionId, error };
}
