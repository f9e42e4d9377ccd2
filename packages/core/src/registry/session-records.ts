import type { SessionKVStore } from "../types.js";
import { flagRequestedAt, flagTargets } from "./close-flag.js";
import { DecodeCache } from "./decode-cache.js";
import { KeyPlan } from "./key-plan.js";
import type { SessionLogger } from "./logger.js";
import { decodeRecord } from "./record.js";
import type { StoredSession } from "./session-info.js";
import { validateSessions } from "./validate.js";

/** What one read of a set of sessions' records and close flags found. */
export interface RecordsAndFlags {
  /** Each session's stored record, or null when missing or unreadable. */
  readonly records: ReadonlyMap<string, StoredSession | null>;
  /** Sessions with a pending close request. */
  readonly closeRequested: readonly string[];
  /** When each close request among `closeRequested` was made (epoch ms), for flags that say so; absent when none does. */
  readonly closeRequestedAt?: ReadonlyMap<string, number>;
}

/** `RecordsAndFlags`, and the values of the extra keys read in the same `mget`, in their order. */
export interface RecordsFlagsAndTail extends RecordsAndFlags {
  readonly tail: readonly (Uint8Array | null)[];
}

/**
 * How the registry reads session records back from the store, for its application API and its
 * host protocol alike: every unreadable record is skipped and reported the same way, and the
 * heartbeat reads (the same sessions every cycle) reuse their keys and their decoded records.
 */
export class SessionRecords {
  readonly #store: SessionKVStore;
  readonly #logger: SessionLogger;
  /** The heartbeat reads' last records: unchanged ones are not parsed again. */
  readonly #heartbeat = new DecodeCache();
  /** The keys of the last heartbeat read's sessions, reused while the same sessions come back. */
  #lastPlan: KeyPlan | undefined;

  constructor(store: SessionKVStore, logger: SessionLogger) {
    this.#store = store;
    this.#logger = logger;
  }

  /**
   * Validates `sessions` and returns their keys. The ids of the last heartbeat, in the same order,
   * were valid then and so are now: that plan is reused without checking them again.
   */
  plan(sessions: ReadonlyMap<string, string>): KeyPlan {
    const last = this.#lastPlan;
    if (last !== undefined && sessions instanceof Map && last.matches(sessions)) return last;
    validateSessions(sessions, this.#store.capabilities);
    const plan = new KeyPlan(sessions, this.#store);
    if (sessions.size > 0) this.#lastPlan = plan;
    return plan;
  }

  /** One `mget` of the planned records; the ids of those missing or unreadable. */
  async missing(plan: KeyPlan): Promise<string[]> {
    const keys = plan.records;
    const values = await this.#store.mget(plan.preparedRecords);
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

  /** One `mget` of the sessions' records and close flags; a flag counts if it targets the record read. */
  async withFlags(plan: KeyPlan): Promise<RecordsAndFlags> {
    const { tail: _none, ...recordsAndFlags } = await this.withFlagsAndTail(plan, []);
    return recordsAndFlags;
  }

  /** `withFlags`, reading `tail` (a node's own keys) in the same `mget`. */
  async withFlagsAndTail(plan: KeyPlan, tail: readonly string[]): Promise<RecordsFlagsAndTail> {
    const keys = plan.records;
    const values = await this.#store.mget(
      tail.length === 0 ? plan.recordsAndFlags : plan.recordsAndFlagsWithTail(tail),
    );
    const records = new Map<string, StoredSession | null>();
    const closeRequested: string[] = [];
    // Only made when a flag says when it was written: most cycles have no close request.
    let closeRequestedAt: Map<string, number> | undefined;
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
      if (flag !== null && flagTargets(flag, record)) {
        closeRequested.push(sessionId);
        const at = flagRequestedAt(flag);
        if (at !== undefined) {
          closeRequestedAt ??= new Map();
          closeRequestedAt.set(sessionId, at);
        }
      }
    }
    this.#heartbeat.commit();
    const tailValues = tail.length === 0 ? [] : values.slice(2 * n);
    return closeRequestedAt === undefined
      ? { records, closeRequested, tail: tailValues }
      : { records, closeRequested, closeRequestedAt, tail: tailValues };
  }

  /**
   * `withFlags` for a few sessions out of the heartbeat's rhythm (a doorbell's): the same decision
   * per flag, but neither the heartbeat's key plan nor its decode cache is touched, so the next
   * cycle reuses both.
   */
  async closeRequestsOf(sessions: ReadonlyMap<string, string>): Promise<string[]> {
    validateSessions(sessions, this.#store.capabilities);
    if (sessions.size === 0) return [];
    const plan = new KeyPlan(sessions, this.#store);
    const values = await this.#store.mget(plan.recordsAndFlags);
    const n = plan.records.length;
    const closeRequested: string[] = [];
    for (let i = 0; i < n; i++) {
      const sessionId = plan.sessionIds[i] as string;
      const record = this.decode(
        plan.records[i] as string,
        values[i] ?? null,
        plan.callIds[i] as string,
        sessionId,
      );
      const flag = values[n + i] ?? null;
      if (flag !== null && flagTargets(flag, record)) closeRequested.push(sessionId);
    }
    return closeRequested;
  }

  /** The record at `key`, or null when it is missing or unreadable (reported to the logger). */
  decode(key: string, value: Uint8Array | null, callId: string, sessionId: string): StoredSession | null {
    if (value === null) return null;
    const decoded = decodeRecord(value, { callId, sessionId });
    if (decoded.ok) return decoded.session;
    this.skip(key, decoded.reason);
    return null;
  }

  skip(key: string, reason: string): void {
    this.#logger.warn(`sessionkv: skipped the record at ${JSON.stringify(key)}: it ${reason}`, {
      key,
      reason,
    });
  }

  /** `decode` through the heartbeat cache; the caller commits it once its read is decoded, synchronously. */
  #decodeCached(
    key: string,
    value: Uint8Array | null,
    callId: string,
    sessionId: string,
  ): StoredSession | null {
    if (value === null) return null;
    const known = this.#heartbeat.hit(callId, sessionId, value);
    if (known !== undefined) return known;
    const decoded = this.decode(key, value, callId, sessionId);
    return decoded === null ? null : this.#heartbeat.keep(callId, sessionId, value, decoded);
  }
}
