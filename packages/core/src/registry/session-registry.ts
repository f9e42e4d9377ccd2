import { randomUUID } from "node:crypto";
import { ErrorCode, SessionKVError, invalidArgument, isSessionKVError, notRunning } from "../errors.js";
import type { MsetEntry, SessionKVStore } from "../types.js";
import { validateTtlMs } from "../validate.js";
import { encodeCloseFlag, flagTargets } from "./close-flag.js";
import { DecodeCache } from "./decode-cache.js";
import { KeyPlan } from "./key-plan.js";
import { callPrefix, closeRequestKey, sessionKey } from "./keys.js";
import { type SessionLogger, consoleLogger } from "./logger.js";
import { decodeRecord, encodeRecord, freshRecord, recordTtlMs, withMetrics } from "./record.js";
import type { SessionInfo, SessionMetrics, StoredSession } from "./session-info.js";
import { validateId, validateIds, validateMetrics, validateSessions, validateTimestamp } from "./validate.js";

export interface SessionRegistryOptions {
  /** The shared store. The registry starts it (idempotently) and never closes it: its creator does. */
  readonly store: SessionKVStore;
  /** This node's id, written into the records it registers. Default: a random UUID. */
  readonly nodeId?: string;
  /** Lifetime of session records and close flags without a refresh. Default 30 000 ms. */
  readonly ttlMs?: number;
  /** Receives reports of skipped (unreadable or foreign) records. Default: the console. */
  readonly logger?: SessionLogger;
}

export interface RegisterOptions {
  /** Epoch ms the session started. Default: now. The host passes the original time when it re-registers. */
  readonly startedAt?: number;
  /** Initial metrics. Default `{}`. */
  readonly metrics?: SessionMetrics;
}

/** What one `poll` found for the sessions it was given. */
export interface PollResult {
  /** Each session's stored record after the refresh, or null when missing or unreadable. */
  readonly records: ReadonlyMap<string, StoredSession | null>;
  /** Sessions with a pending close request. */
  readonly closeRequested: readonly string[];
}

/** One record to (re)write in `publish`. */
export interface SessionWrite {
  readonly callId: string;
  readonly sessionId: string;
  readonly startedAt: number;
  readonly metrics: SessionMetrics;
  /** The record as last read: its unknown fields and `started_at` are kept. Null writes a fresh record. */
  readonly previous: StoredSession | null;
}

/** A write `publish` left out because the store refuses its record's size; the others were written. */
export interface SkippedWrite {
  readonly callId: string;
  readonly sessionId: string;
  /** ERR_VALUE_TOO_LARGE, with the record's size in the message. */
  readonly error: SessionKVError;
}

/** A session this node registered, named by its start time, for `removeOwned`. */
export interface OwnedSession {
  readonly callId: string;
  readonly sessionId: string;
  /** The `startedAt` it was registered with. */
  readonly startedAt: number;
}

export const DEFAULT_REGISTRY_TTL_MS = 30_000;

type State = "new" | "running" | "stopped";

/**
 * A facade over a store: the key scheme, the record format and the TTLs of sessions shared by
 * many nodes. It holds no session state (only the heartbeat reads' decode cache); the caller
 * (usually a `SessionHost`) owns its sessions and drives refreshes. Arguments are validated
 * before any I/O.
 */
export class SessionRegistry implements AsyncDisposable {
  readonly store: SessionKVStore;
  readonly nodeId: string;
  readonly ttlMs: number;
  readonly #logger: SessionLogger;
  /** The heartbeat reads' (`refresh`, `poll`) last records: unchanged ones are not parsed again. */
  readonly #heartbeat = new DecodeCache();
  /** The keys of the last heartbeat read's sessions, reused while the same sessions come back. */
  #lastPlan: KeyPlan | undefined;
  #state: State = "new";
  #starting: Promise<void> | undefined;

  constructor(options: SessionRegistryOptions) {
    if (options === null || typeof options !== "object")
      throw invalidArgument("options", "must be an object with a store");
    const { store } = options;
    if (!isStore(store)) throw invalidArgument("store", "must be a SessionKVStore");
    const nodeId = options.nodeId ?? randomUUID();
    if (typeof nodeId !== "string" || nodeId.length === 0)
      throw invalidArgument("nodeId", "must be a non-empty string");
    const ttlMs = options.ttlMs ?? DEFAULT_REGISTRY_TTL_MS;
    validateTtlMs(ttlMs);
    this.store = store;
    this.nodeId = nodeId;
    this.ttlMs = ttlMs;
    this.#logger = options.logger ?? consoleLogger;
  }

  get running(): boolean {
    return this.#state === "running";
  }

  /** Starts the store (idempotent on both). Required before any other call. */
  async start(): Promise<void> {
    if (this.#state === "stopped") throw notRunning("SessionRegistry", "start", "after stop()");
    if (this.#state === "running") return;
    this.#starting ??= this.store.start().then(
      () => {
        if (this.#state === "new") this.#state = "running";
      },
      (error: unknown) => {
        this.#starting = undefined;
        throw error;
      },
    );
    return this.#starting;
  }

  /** Ends the registry: later calls reject with ERR_NOT_RUNNING. The store is left open for its owner. */
  async stop(): Promise<void> {
    this.#state = "stopped";
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** Writes a fresh record for the session, owned by this node, with the registry's TTL. */
  async register(callId: string, sessionId: string, options: RegisterOptions = {}): Promise<void> {
    validateIds(callId, sessionId, this.store.capabilities);
    if (options === null || typeof options !== "object")
      throw invalidArgument("options", "must be an object");
    const now = Date.now();
    const startedAt = options.startedAt ?? now;
    validateTimestamp(startedAt, "options.startedAt");
    const metrics = options.metrics ?? {};
    validateMetrics(metrics, "options.metrics");
    this.#assertRunning("register");
    const record = freshRecord({
      sessionId,
      callId,
      nodeId: this.nodeId,
      startedAt,
      metrics,
      now,
      ttlMs: this.ttlMs,
    });
    await this.store.set(sessionKey(callId, sessionId), encodeRecord(record), this.ttlMs);
  }

  /** Deletes the session's record and its close flag in one store call. */
  async remove(callId: string, sessionId: string): Promise<void> {
    validateIds(callId, sessionId, this.store.capabilities);
    this.#assertRunning("remove");
    await this.store.delete([sessionKey(callId, sessionId), closeRequestKey(callId, sessionId)]);
  }

  /** `remove` for many sessions (sessionId → callId), in one store call. */
  async removeMany(sessions: ReadonlyMap<string, string>): Promise<void> {
    validateSessions(sessions, this.store.capabilities);
    this.#assertRunning("removeMany");
    if (sessions.size === 0) return;
    const keys: string[] = [];
    for (const [sessionId, callId] of sessions)
      keys.push(sessionKey(callId, sessionId), closeRequestKey(callId, sessionId));
    await this.store.delete(keys);
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
      validateIds(s?.callId, s?.sessionId, this.store.capabilities);
      validateTimestamp(s.startedAt, `sessions[${i}].startedAt`);
    });
    this.#assertRunning("removeOwned");
    if (sessions.length === 0) return;
    const values = await this.store.mget(sessions.map((s) => sessionKey(s.callId, s.sessionId)));
    const keys: string[] = [];
    sessions.forEach((s, i) => {
      const key = sessionKey(s.callId, s.sessionId);
      const current = this.#decode(key, values[i] ?? null, s.callId, s.sessionId);
      const ours =
        current === null ||
        (current.record.node_id === this.nodeId && current.record.started_at === s.startedAt / 1000);
      if (ours) keys.push(key, closeRequestKey(s.callId, s.sessionId));
    });
    if (keys.length > 0) await this.store.delete(keys);
  }

  /** The session's record, or null when it is missing, expired or unreadable (reported to the logger). */
  async get(callId: string, sessionId: string): Promise<SessionInfo | null> {
    validateIds(callId, sessionId, this.store.capabilities);
    this.#assertRunning("get");
    const key = sessionKey(callId, sessionId);
    return this.#decode(key, await this.store.get(key), callId, sessionId)?.info ?? null;
  }

  /**
   * Every session of the call, on any node: one listing and one batched read. Unreadable and
   * foreign records are skipped and reported. Ordered by start time, then session id.
   */
  async getForCall(callId: string): Promise<SessionInfo[]> {
    validateId(callId, "callId");
    this.#assertRunning("getForCall");
    const prefix = callPrefix(callId);
    const listed = await this.store.keys(prefix);
    const keys: string[] = [];
    for (const key of listed) {
      const sessionId = key.slice(prefix.length);
      if (sessionId.length === 0 || sessionId.includes("/"))
        this.#skip(key, "is not a session key of this registry");
      else keys.push(key);
    }
    if (keys.length === 0) return [];
    const values = await this.store.mget(keys);
    const found: SessionInfo[] = [];
    keys.forEach((key, i) => {
      const session = this.#decode(key, values[i] ?? null, callId, key.slice(prefix.length));
      if (session !== null) found.push(session.info);
    });
    return found.sort(
      (a, b) =>
        a.startedAt - b.startedAt || (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0),
    );
  }

  /**
   * Replaces the session's metrics and stamps `metrics_updated_at`, keeping every other field of
   * the stored record (unknown ones included). Read, merge, then a write that only lands if the
   * record still exists: a removed or expired session is never brought back.
   */
  async updateMetrics(callId: string, sessionId: string, metrics: SessionMetrics): Promise<void> {
    validateIds(callId, sessionId, this.store.capabilities);
    validateMetrics(metrics);
    this.#assertRunning("updateMetrics");
    const key = sessionKey(callId, sessionId);
    const current = this.#decode(key, await this.store.get(key), callId, sessionId);
    if (current === null) return;
    await this.store.set(key, encodeRecord(withMetrics(current.record, metrics, Date.now())), this.ttlMs, {
      onlyIfExists: true,
    });
  }

  /**
   * Extends the TTL of every given session (sessionId → callId) and returns the ids whose records
   * were missing or unreadable, so their owner can re-register them. Two store calls whatever the
   * number of sessions: one `expire` over all keys, then one `mget` (in that order, so a record
   * seen present was present after its refresh).
   */
  async refresh(sessions: ReadonlyMap<string, string>): Promise<string[]> {
    const plan = this.#plan(sessions);
    this.#assertRunning("refresh");
    if (plan.records.length === 0) return [];
    const keys = plan.records;
    const prepared = plan.preparedRecords;
    await this.store.expire(prepared, this.ttlMs);
    const values = await this.store.mget(prepared);
    const missing: string[] = [];
    for (let i = 0; i < keys.length; i++) {
      const sessionId = plan.sessionIds[i] as string;
      if (
        this.#decodeCached(keys[i] as string, values[i] ?? null, plan.callIds[i] as string, sessionId) ===
        null
      )
        missing.push(sessionId);
    }
    this.#heartbeat.commit();
    return missing;
  }

  /**
   * Asks the session's owner to close it on its next cycle: reads the record, then writes the
   * close flag naming that registration (so it never closes a session registered later under the
   * same id), living the owner's TTL as the record states it (`ttl_ms`; this registry's `ttlMs`
   * for records without one). Resolves false, writing nothing, when there is no readable record.
   */
  async requestClose(callId: string, sessionId: string): Promise<boolean> {
    validateIds(callId, sessionId, this.store.capabilities);
    this.#assertRunning("requestClose");
    const key = sessionKey(callId, sessionId);
    const target = this.#decode(key, await this.store.get(key), callId, sessionId);
    if (target === null) return false;
    const ttlMs = recordTtlMs(target.record) ?? this.ttlMs;
    await this.store.set(closeRequestKey(callId, sessionId), encodeCloseFlag(target), ttlMs);
    return true;
  }

  /**
   * The ids among `sessions` (sessionId → callId) with a pending close request for the session as
   * registered now: one `mget` of their records and flags.
   */
  async getCloseRequests(sessions: ReadonlyMap<string, string>): Promise<string[]> {
    const plan = this.#plan(sessions);
    this.#assertRunning("getCloseRequests");
    if (plan.records.length === 0) return [];
    return [...(await this.#read(plan)).closeRequested];
  }

  /**
   * A maintenance cycle's reads in two store calls: `refresh` of every session, then one `mget` of
   * their records and close flags together. For `SessionHost` and other schedulers.
   */
  async poll(sessions: ReadonlyMap<string, string>): Promise<PollResult> {
    const plan = this.#plan(sessions);
    this.#assertRunning("poll");
    if (plan.records.length === 0) return { records: new Map(), closeRequested: [] };
    await this.store.expire(plan.preparedRecords, this.ttlMs);
    return this.#read(plan);
  }

  /**
   * Validates `sessions` and returns their keys. The ids of the last heartbeat, in the same order,
   * were valid then and so are now: that plan is reused without checking them again.
   */
  #plan(sessions: ReadonlyMap<string, string>): KeyPlan {
    const last = this.#lastPlan;
    if (last !== undefined && sessions instanceof Map && last.matches(sessions)) return last;
    validateSessions(sessions, this.store.capabilities);
    const plan = new KeyPlan(sessions, this.store);
    if (sessions.size > 0) this.#lastPlan = plan;
    return plan;
  }

  /** One `mget` of the sessions' records and close flags; a flag counts if it targets the record read. */
  async #read(plan: KeyPlan): Promise<PollResult> {
    const keys = plan.records;
    const values = await this.store.mget(plan.recordsAndFlags);
    const records = new Map<string, StoredSession | null>();
    const closeRequested: string[] = [];
    const n = plan.records.length;
    for (let i = 0; i < n; i++) {
      const sessionId = plan.sessionIds[i] as string;
      const record = this.#decodeCached(
        keys[i] as string,
        values[i] ?? null,
        plan.callIds[i] as string,
        sessionId,
      );
      records.set(sessionId, record);
      const flag = values[n + i] ?? null;
      if (flag !== null && flagTargets(flag, record)) closeRequested.push(sessionId);
    }
    this.#heartbeat.commit();
    return { records, closeRequested };
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
      validateIds(w?.callId, w?.sessionId, this.store.capabilities);
      validateTimestamp(w.startedAt, `writes[${i}].startedAt`);
      validateMetrics(w.metrics, `writes[${i}].metrics`);
    });
    this.#assertRunning("publish");
    if (writes.length === 0) return [];
    const now = Date.now();
    const { maxValueBytes } = this.store.capabilities;
    const skipped: SkippedWrite[] = [];
    const entries: (MsetEntry & { write: SessionWrite })[] = [];
    for (const w of writes) {
      const record =
        w.previous === null
          ? freshRecord({
              sessionId: w.sessionId,
              callId: w.callId,
              nodeId: this.nodeId,
              startedAt: w.startedAt,
              metrics: w.metrics,
              now,
              ttlMs: this.ttlMs,
            })
          : { ...withMetrics(w.previous.record, w.metrics, now), ttl_ms: this.ttlMs };
      const value = encodeRecord(record);
      if (value.byteLength > maxValueBytes) skipped.push(tooLarge(w, value.byteLength, maxValueBytes));
      else entries.push({ key: sessionKey(w.callId, w.sessionId), value, ttlMs: this.ttlMs, write: w });
    }
    if (entries.length === 0) return skipped;
    try {
      await this.store.mset(entries.map(({ key, value, ttlMs }) => ({ key, value, ttlMs })));
    } catch (error) {
      // A server may refuse sizes below the declared limit; then each record goes on its own.
      if (!isSessionKVError(error, ErrorCode.VALUE_TOO_LARGE)) throw error;
      for (const entry of entries) {
        await this.store.set(entry.key, entry.value, entry.ttlMs).catch((failed: unknown) => {
          if (!isSessionKVError(failed, ErrorCode.VALUE_TOO_LARGE)) throw failed;
          skipped.push({ callId: entry.write.callId, sessionId: entry.write.sessionId, error: failed });
        });
      }
    }
    return skipped;
  }

  /** `#decode` through the heartbeat cache; the caller commits it once its read is decoded, synchronously. */
  #decodeCached(
    key: string,
    value: Uint8Array | null,
    callId: string,
    sessionId: string,
  ): StoredSession | null {
    if (value === null) return null;
    const known = this.#heartbeat.hit(callId, sessionId, value);
    if (known !== undefined) return known;
    const decoded = this.#decode(key, value, callId, sessionId);
    return decoded === null ? null : this.#heartbeat.keep(callId, sessionId, value, decoded);
  }

  #decode(key: string, value: Uint8Array | null, callId: string, sessionId: string): StoredSession | null {
    if (value === null) return null;
    const decoded = decodeRecord(value, { callId, sessionId });
    if (decoded.ok) return decoded.session;
    this.#skip(key, decoded.reason);
    return null;
  }

  #skip(key: string, reason: string): void {
    this.#logger.warn(`sessionkv: skipped the record at ${JSON.stringify(key)}: it ${reason}`, {
      key,
      reason,
    });
  }

  #assertRunning(operation: string): void {
    if (this.#state === "running") return;
    throw notRunning(
      "SessionRegistry",
      operation,
      this.#state === "stopped" ? "after stop()" : "before start() completed",
    );
  }
}

function tooLarge(write: SessionWrite, bytes: number, limit: number): SkippedWrite {
  const error = new SessionKVError(
    ErrorCode.VALUE_TOO_LARGE,
    `the record of session ${JSON.stringify(`${write.callId}/${write.sessionId}`)} would be ${bytes} bytes; this store accepts at most ${limit}`,
  );
  return { callId: write.callId, sessionId: write.sessionId, error };
}

function isStore(value: unknown): value is SessionKVStore {
  if (value === null || typeof value !== "object") return false;
  const store = value as Record<string, unknown>;
  return (
    ["start", "set", "mset", "get", "mget", "expire", "keys", "delete", "prepare"].every(
      (m) => typeof store[m] === "function",
    ) &&
    typeof store.capabilities === "object" &&
    store.capabilities !== null
  );
}
