import { randomUUID } from "node:crypto";
import { closeRequestedChannel } from "../diagnostics/host-channels.js";
import { invalidArgument, sessionExists } from "../errors.js";
import { Lifecycle, runningLifecycleErrors } from "../lifecycle.js";
import type { SessionKVStore } from "../types.js";
import { validateTtlMs } from "../validate.js";
import { ALL_SESSIONS_PREFIX, compareSessions, sessionIdsOf } from "./all-sessions.js";
import { CallSeats, type SeatCount } from "./call-seats.js";
import { encodeCloseFlag } from "./close-flag.js";
import { ringNode } from "./doorbell.js";
import {
  type HostProtocol,
  type NodeBeat,
  type OwnedSession,
  type PollResult,
  RegistryHostProtocol,
  type SessionWrite,
  type SkippedWrite,
} from "./host-protocol.js";
import { NODES_PREFIX, callPrefix, closeRequestKey, drainRequestKey, nodeKey, sessionKey } from "./keys.js";
import { type SessionLogger, consoleLogger } from "./logger.js";
import {
  type NodeInfo,
  type NodeRecordContent,
  type RequestDrainOptions,
  decodeNodeRecord,
  encodeDrainFlag,
  validateDrainOptions,
} from "./node-record.js";
import { encodeRecord, freshRecord, recordTtlMs, withMetrics } from "./record.js";
import type { SessionInfo, SessionMetrics } from "./session-info.js";
import { SessionRecords } from "./session-records.js";
import { validateCallId, validateId, validateIds, validateMetrics, validateTimestamp } from "./validate.js";

export interface SessionRegistryOptions {
  /** The shared store. The registry starts it (idempotently) and never closes it: its creator does. */
  readonly store: SessionKVStore;
  /**
   * This node's id, written into the records it registers and naming its node record. Default: a
   * random UUID. Non-empty, without "/" (it is a key segment of the node record).
   */
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
  /** Private behind a getter: `structuredClone` and JSON copy own fields, and a store may hold credentials. */
  readonly #store: SessionKVStore;
  readonly nodeId: string;
  readonly ttlMs: number;
  /** The batched calls of a `SessionHost` (or another scheduler of heartbeats): see `HostProtocol`. */
  readonly hostProtocol: HostProtocol;
  /** Claims, releases and counts of call seats ("Seats" in the README); `SessionHost` drives them. */
  readonly seats: CallSeats;
  readonly #records: SessionRecords;
  readonly #logger: SessionLogger;
  readonly #lifecycle = new Lifecycle(runningLifecycleErrors("SessionRegistry"));

  constructor(options: SessionRegistryOptions) {
    if (options === null || typeof options !== "object")
      throw invalidArgument("options", "must be an object with a store");
    const { store } = options;
    if (!isStore(store)) throw invalidArgument("store", "must be a SessionKVStore");
    const ttlMs = options.ttlMs ?? DEFAULT_REGISTRY_TTL_MS;
    validateTtlMs(ttlMs);
    const nodeId = options.nodeId ?? randomUUID();
    validateNodeId(nodeId, store, "nodeId");
    this.#store = store;
    this.nodeId = nodeId;
    this.ttlMs = ttlMs;
    this.#logger = options.logger ?? consoleLogger;
    this.#records = new SessionRecords(store, this.#logger);
    this.hostProtocol = new RegistryHostProtocol({
      store,
      nodeId,
      ttlMs,
      records: this.#records,
      lifecycle: this.#lifecycle,
    });
    this.seats = new CallSeats({ store, nodeId, ttlMs, lifecycle: this.#lifecycle });
  }

  get store(): SessionKVStore {
    return this.#store;
  }

  get running(): boolean {
    return this.#lifecycle.started;
  }

  /** What `JSON.stringify` shows (core README, "Secrets"): never the store's connection settings. */
  toJSON(): object {
    return { nodeId: this.nodeId, ttlMs: this.ttlMs, running: this.running, store: nameOf(this.#store) };
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
    validateCallId(callId, this.store.capabilities);
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
    await this.store.expire(plan.preparedRecords, this.ttlMs);
    return this.#records.missing(plan);
  }

  /**
   * Asks the session's owner to close it on its next cycle: reads the record, then writes the
   * close flag naming that registration (so it never closes a session registered later under the
   * same id), living the owner's TTL as the record states it (`ttl_ms`; this registry's `ttlMs`
   * for records without one). Resolves false, writing nothing, when there is no readable record.
   * On a store with notifications it then rings the owner (`node_id` of that record), which reads
   * the flag at once instead of on its next cycle (README, "Push close"); a doorbell that cannot
   * ring is logged, never thrown: the flag is written and stays the truth.
   */
  async requestClose(callId: string, sessionId: string): Promise<boolean> {
    validateIds(callId, sessionId, this.store.capabilities);
    this.#lifecycle.assertStarted("requestClose");
    const key = sessionKey(callId, sessionId);
    const target = this.#records.decode(key, await this.store.get(key), callId, sessionId);
    if (target === null) return false;
    const ttlMs = recordTtlMs(target.record) ?? this.ttlMs;
    await this.store.set(closeRequestKey(callId, sessionId), encodeCloseFlag(target, Date.now()), ttlMs);
    if (closeRequestedChannel.hasSubscribers)
      closeRequestedChannel.publish({ nodeId: this.nodeId, local: false });
    await ringNode(this.store, target.info.nodeId, { type: "close", callId, sessionId }, this.#logger);
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

  /**
   * Every live node: one listing of the node records (one partition, see `NODES_PREFIX`) and one
   * batched read. A node is listed while its record lives: its host refreshes it every cycle, and
   * a dead node's record expires on its TTL. Unreadable records are skipped and reported. Python
   * nodes write no node record. Ordered by node id.
   */
  async getNodes(): Promise<NodeInfo[]> {
    this.#lifecycle.assertStarted("getNodes");
    const listed = await this.store.keys(NODES_PREFIX);
    const keys: string[] = [];
    for (const key of listed) {
      const nodeId = key.slice(NODES_PREFIX.length);
      if (nodeId.length === 0 || nodeId.includes("/"))
        this.#records.skip(key, "is not a node key of this registry");
      else keys.push(key);
    }
    if (keys.length === 0) return [];
    const values = await this.store.mget(keys);
    const found: NodeInfo[] = [];
    keys.forEach((key, i) => {
      const value = values[i] ?? null;
      if (value === null) return;
      const decoded = decodeNodeRecord(value, key.slice(NODES_PREFIX.length));
      if (decoded.ok) found.push(decoded.node);
      else this.#records.skip(key, decoded.reason);
    });
    return found.sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
  }

  /** The node's record, or null when it is missing, expired or unreadable (reported to the logger). */
  async getNode(nodeId: string): Promise<NodeInfo | null> {
    validateNodeId(nodeId, this.store, "nodeId");
    this.#lifecycle.assertStarted("getNode");
    const key = nodeKey(nodeId);
    const value = await this.store.get(key);
    if (value === null) return null;
    const decoded = decodeNodeRecord(value, nodeId);
    if (decoded.ok) return decoded.node;
    this.#records.skip(key, decoded.reason);
    return null;
  }

  /**
   * Asks a node to drain on its next cycle: reads its node record, then writes the drain flag
   * naming that run of the node (so a node restarted under the same id is not drained), living
   * the node's TTL as its record states it. `graceMs` is passed to the node's `drain`. Resolves
   * false, writing nothing, when the node has no readable record (it is not running).
   */
  async requestDrain(nodeId: string, options?: RequestDrainOptions): Promise<boolean> {
    validateNodeId(nodeId, this.store, "nodeId");
    const drain = validateDrainOptions(options);
    this.#lifecycle.assertStarted("requestDrain");
    const key = nodeKey(nodeId);
    const value = await this.store.get(key);
    if (value === null) return false;
    const target = decodeNodeRecord(value, nodeId);
    if (!target.ok) {
      this.#records.skip(key, target.reason);
      return false;
    }
    const ttlMs = recordTtlMs(target.record) ?? this.ttlMs;
    const startedAt = target.record.started_at as number;
    await this.store.set(
      drainRequestKey(nodeId),
      encodeDrainFlag(nodeId, startedAt, drain, Date.now()),
      ttlMs,
    );
    // On a store that can push, the node drains at once rather than on its next cycle; the flag
    // just written stays the request (README, "Drain").
    await ringNode(this.store, nodeId, { type: "drain" }, this.#logger);
    return true;
  }

  // The host protocol, also callable on the registry itself as before it had a name.

  /** `hostProtocol.poll`: `refresh`, then one `mget` of the records and close flags. */
  poll(
    sessions: ReadonlyMap<string, string>,
    node?: NodeBeat,
    alsoRefresh?: readonly string[],
  ): Promise<PollResult> {
    return this.hostProtocol.poll(sessions, node, alsoRefresh);
  }

  /** `hostProtocol.publish`: (re)writes records this node owns in one `mset`. */
  publish(writes: readonly SessionWrite[], node?: NodeRecordContent): Promise<SkippedWrite[]> {
    return this.hostProtocol.publish(writes, node);
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

/** A node id is a key segment: an id as `validateId` checks it, whose keys fit the store. */
function validateNodeId(nodeId: unknown, store: SessionKVStore, parameter: string): asserts nodeId is string {
  validateId(nodeId, parameter);
  const longest =
    drainRequestKey(nodeId).length > nodeKey(nodeId).length ? drainRequestKey(nodeId) : nodeKey(nodeId);
  if (Buffer.byteLength(longest, "utf8") > store.capabilities.maxKeyBytes)
    throw invalidArgument(
      parameter,
      `makes the ${Buffer.byteLength(longest, "utf8")}-byte key ${JSON.stringify(longest)}; this store accepts at most ${store.capabilities.maxKeyBytes}`,
    );
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

/** A store as a registry or host names it in a summary: its class, nothing it holds. */
function nameOf(store: SessionKVStore): string {
  const name = (store as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name.length > 0 ? name : "SessionKVStore";
}
