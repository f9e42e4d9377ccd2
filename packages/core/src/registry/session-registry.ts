import { randomUUID } from "node:crypto";
import { invalidArgument, sessionExists } from "../errors.js";
import { Lifecycle, runningLifecycleErrors } from "../lifecycle.js";
import type { SessionKVStore } from "../types.js";
import { validateTtlMs } from "../validate.js";
import { ALL_SESSIONS_PREFIX, compareSessions, sessionIdsOf } from "./all-sessions.js";
import { CallSeats, type SeatCount } from "./call-seats.js";
import { encodeCloseFlag } from "./close-flag.js";
import {
  type HostProtocol,
  type OwnedSession,
  type PollResult,
  RegistryHostProtocol,
  type SessionWrite,
  type SkippedWrite,
} from "./host-protocol.js";
import { callPrefix, closeRequestKey, sessionKey } from "./keys.js";
import { type SessionLogger, consoleLogger } from "./logger.js";
import { encodeRecord, freshRecord, recordTtlMs, withMetrics } from "./record.js";
import type { SessionInfo, SessionMetrics } from "./session-info.js";
import { SessionRecords } from "./session-records.js";
import { validateId, validateIds, validateMetrics, validateTimestamp } from "./validate.js";

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
  /** Epoch ms the owner closes the session at, written as the record's `deadline`. Default: none. */
  readonly deadline?: number;
}

export const DEFAULT_REGISTRY_TTL_MS = 30_000;

/**
 * A facade over a store: the key scheme, the record format and the TTLs of sessions shared by
 * many nodes. It holds no session state (only the heartbeat reads' decode cache); the caller
 * (usually a `SessionHost`) owns its sessions and drives refreshes. Arguments are validated
 * before any I/O.
 *
 * Its methods are the application API; what a host needs besides is `hostProtocol`.
 */
export class SessionRegistry implements AsyncDisposable {
  readonly store: SessionKVStore;
  readonly nodeId: string;
  readonly ttlMs: number;
  /** The batched calls of a `SessionHost` (or another scheduler of heartbeats): see `HostProtocol`. */
  readonly hostProtocol: HostProtocol;
  /** Claims, releases and counts of call seats ("Seats" in the README); `SessionHost` drives them. */
  readonly seats: CallSeats;
  readonly #records: SessionRecords;
  readonly #lifecycle = new Lifecycle(runningLifecycleErrors("SessionRegistry"));

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
    this.#records = new SessionRecords(store, options.logger ?? consoleLogger);
    this.hostProtocol = new RegistryHostProtocol({
      store,
      nodeId,
      ttlMs,
      records: this.#records,
      lifecycle: this.#lifecycle,
    });
    this.seats = new CallSeats({ store, nodeId, ttlMs, lifecycle: this.#lifecycle });
  }

  get running(): boolean {
    return this.#lifecycle.started;
  }

  /** Starts the store (idempotent on both). Required before any other call. */
  async start(): Promise<void> {
    return this.#lifecycle.start(() => this.store.start());
  }

  /** Ends the registry: later calls reject with ERR_NOT_RUNNING. The store is left open for its owner. */
  async stop(): Promise<void> {
    return this.#lifecycle.stop(async () => undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /**
   * Writes a fresh record for the session, owned by this node, with the registry's TTL. The first
   * registration of an id is an atomic claim (`setIfAbsent`): a live record of another node is
   * never overwritten, the call rejects with ERR_SESSION_EXISTS naming that owner. This node's
   * own earlier record, or one nobody can read, is replaced.
   */
  async register(callId: string, sessionId: string, options: RegisterOptions = {}): Promise<void> {
    validateIds(callId, sessionId, this.store.capabilities);
    if (options === null || typeof options !== "object")
      throw invalidArgument("options", "must be an object");
    const now = Date.now();
    const startedAt = options.startedAt ?? now;
    validateTimestamp(startedAt, "options.startedAt");
    const metrics = options.metrics ?? {};
    validateMetrics(metrics, "options.metrics");
    if (options.deadline !== undefined) validateTimestamp(options.deadline, "options.deadline");
    this.#lifecycle.assertStarted("register");
    const record = freshRecord({
      sessionId,
      callId,
      nodeId: this.nodeId,
      startedAt,
      metrics,
      now,
      ttlMs: this.ttlMs,
      deadline: options.deadline,
    });
    const key = sessionKey(callId, sessionId);
    const value = encodeRecord(record);
    // A record that expires between the failed claim and the read is claimed again; a few rounds
    // bound an id that keeps appearing and vanishing.
    for (let round = 0; round < 3; round++) {
      if (await this.store.setIfAbsent(key, value, this.ttlMs)) return;
      const raw = await this.store.get(key);
      if (raw === null) continue;
      const current = this.#records.decode(key, raw, callId, sessionId);
      if (current !== null && current.info.nodeId !== this.nodeId)
        throw sessionExists({ callId, sessionId, ownerNodeId: current.info.nodeId });
      break;
    }
    await this.store.set(key, value, this.ttlMs);
  }

  /**
   * The call's taken seats and the limit they were taken under ("Seats" in the README). With
   * `limit`, one batched read of that many seats; without, a listing of the call's seats first.
   */
  async getSeats(callId: string, limit?: number): Promise<SeatCount> {
    return this.seats.count(callId, limit);
  }

  /** Deletes the session's record and its close flag in one store call. */
  async remove(callId: string, sessionId: string): Promise<void> {
    validateIds(callId, sessionId, this.store.capabilities);
    this.#lifecycle.assertStarted("remove");
    await this.store.delete([sessionKey(callId, sessionId), closeRequestKey(callId, sessionId)]);
  }

  /** The session's record, or null when it is missing, expired or unreadable (reported to the logger). */
  async get(callId: string, sessionId: string): Promise<SessionInfo | null> {
    validateIds(callId, sessionId, this.store.capabilities);
    this.#lifecycle.assertStarted("get");
    const key = sessionKey(callId, sessionId);
    return this.#records.decode(key, await this.store.get(key), callId, sessionId)?.info ?? null;
  }

  /**
   * Every session of the call, on any node: one listing and one batched read. Unreadable and
   * foreign records are skipped and reported. Ordered by start time, then session id.
   */
  async getForCall(callId: string): Promise<SessionInfo[]> {
    validateId(callId, "callId");
    this.#lifecycle.assertStarted("getForCall");
    const prefix = callPrefix(callId);
    const listed = await this.store.keys(prefix);
    const keys: string[] = [];
    for (const key of listed) {
      const sessionId = key.slice(prefix.length);
      if (sessionId.length === 0 || sessionId.includes("/"))
        this.#records.skip(key, "is not a session key of this registry");
      else keys.push(key);
    }
    if (keys.length === 0) return [];
    const values = await this.store.mget(keys);
    const found: SessionInfo[] = [];
    keys.forEach((key, i) => {
      const session = this.#records.decode(key, values[i] ?? null, callId, key.slice(prefix.length));
      if (session !== null) found.push(session.info);
    });
    return found.sort(
      (a, b) =>
        a.startedAt - b.startedAt || (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0),
    );
  }

  /**
   * Every session of every call, on any node: one listing of the whole sessions namespace and
   * one batched read. Unreadable and foreign records are skipped and reported. Ordered by call,
   * then as `getForCall` orders a call's sessions.
   */
  async getAll(): Promise<SessionInfo[]> {
    this.#lifecycle.assertStarted("getAll");
    const listed = await this.store.keys(ALL_SESSIONS_PREFIX);
    const keys: string[] = [];
    const ids: { callId: string; sessionId: string }[] = [];
    for (const key of listed) {
      const named = sessionIdsOf(key);
      if (named === null) this.#records.skip(key, "is not a session key of this registry");
      else {
        keys.push(key);
        ids.push(named);
      }
    }
    if (keys.length === 0) return [];
    const values = await this.store.mget(keys);
    const found: SessionInfo[] = [];
    keys.forEach((key, i) => {
      const { callId, sessionId } = ids[i] as { callId: string; sessionId: string };
      const session = this.#records.decode(key, values[i] ?? null, callId, sessionId);
      if (session !== null) found.push(session.info);
    });
    return found.sort(compareSessions);
  }

  /**
   * Replaces the session's metrics and stamps `metrics_updated_at`, keeping every other field of
   * the stored record (unknown ones included). Read, merge, then a write that only lands if the
   * record still exists: a removed or expired session is never brought back.
   */
  async updateMetrics(callId: string, sessionId: string, metrics: SessionMetrics): Promise<void> {
    validateIds(callId, sessionId, this.store.capabilities);
    validateMetrics(metrics);
    this.#lifecycle.assertStarted("updateMetrics");
    const key = sessionKey(callId, sessionId);
    const current = this.#records.decode(key, await this.store.get(key), callId, sessionId);
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
    const plan = this.#records.plan(sessions);
    this.#lifecycle.assertStarted("refresh");
    if (plan.records.length === 0) return [];
    await this.store.expire(plan.records, this.ttlMs);
    return this.#records.missing(plan);
  }

  /**
   * Asks the session's owner to close it on its next cycle: reads the record, then writes the
   * close flag naming that registration (so it never closes a session registered later under the
   * same id), living the owner's TTL as the record states it (`ttl_ms`; this registry's `ttlMs`
   * for records without one). Resolves false, writing nothing, when there is no readable record.
   */
  async requestClose(callId: string, sessionId: string): Promise<boolean> {
    validateIds(callId, sessionId, this.store.capabilities);
    this.#lifecycle.assertStarted("requestClose");
    const key = sessionKey(callId, sessionId);
    const target = this.#records.decode(key, await this.store.get(key), callId, sessionId);
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
    const plan = this.#records.plan(sessions);
    this.#lifecycle.assertStarted("getCloseRequests");
    if (plan.records.length === 0) return [];
    return [...(await this.#records.withFlags(plan)).closeRequested];
  }

  // The host protocol, also callable on the registry itself as before it had a name.

  /** `hostProtocol.poll`: `refresh`, then one `mget` of the records and close flags. */
  poll(sessions: ReadonlyMap<string, string>, alsoRefresh?: readonly string[]): Promise<PollResult> {
    return this.hostProtocol.poll(sessions, alsoRefresh);
  }

  /** `hostProtocol.publish`: (re)writes records this node owns in one `mset`. */
  publish(writes: readonly SessionWrite[]): Promise<SkippedWrite[]> {
    return this.hostProtocol.publish(writes);
  }

  /** `hostProtocol.removeMany`: `remove` for many sessions (sessionId → callId), in one store call. */
  removeMany(sessions: ReadonlyMap<string, string>): Promise<void> {
    return this.hostProtocol.removeMany(sessions);
  }

  /** `hostProtocol.removeOwned`: `removeMany` sparing sessions registered again since. */
  removeOwned(sessions: readonly OwnedSession[]): Promise<void> {
    return this.hostProtocol.removeOwned(sessions);
  }
}

function isStore(value: unknown): value is SessionKVStore {
  if (value === null || typeof value !== "object") return false;
  const store = value as Record<string, unknown>;
  return (
    ["start", "set", "mset", "get", "mget", "expire", "keys", "delete"].every(
      (m) => typeof store[m] === "function",
    ) &&
    typeof store.capabilities === "object" &&
    store.capabilities !== null
  );
}
