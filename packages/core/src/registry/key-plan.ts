import type { PreparedKeys } from "../prepared-keys.js";
import type { SessionKVStore } from "../types.js";
import { closeRequestKey, sessionKey } from "./keys.js";

/**
 * The store keys of one set of sessions (sessionId → callId, in the map's order), kept from one
 * heartbeat to the next. A host polls the same sessions in the same order every cycle; building
 * 20,000 key strings per cycle, and the store validating and encoding every one of them, was
 * most of what a cycle cost above the raw commands at 10,000 sessions. So the keys are built once
 * and handed to the store's `prepare` once (core README, "Prepared key sets"); every heartbeat
 * of the same sessions then passes the prepared sets.
 */
export class KeyPlan {
  readonly sessionIds: readonly string[];
  readonly callIds: readonly string[];
  /** The records' keys, in the map's order. */
  readonly records: readonly string[];
  readonly #store: SessionKVStore;
  #preparedRecords: PreparedKeys | undefined;
  #recordsAndFlags: PreparedKeys | undefined;
  #recordsAndFlagsKeys: readonly string[] | undefined;
  /** The sets last prepared with a tail, each for the tail it was built with (a node's keys). */
  #refreshTail: { tail: readonly string[]; keys: PreparedKeys } | undefined;
  #readTail: { tail: readonly string[]; keys: PreparedKeys } | undefined;

  constructor(sessions: ReadonlyMap<string, string>, store: SessionKVStore) {
    const n = sessions.size;
    const sessionIds = new Array<string>(n);
    const callIds = new Array<string>(n);
    const records = new Array<string>(n);
    let i = 0;
    sessions.forEach((callId, sessionId) => {
      sessionIds[i] = sessionId;
      callIds[i] = callId;
      records[i++] = sessionKey(callId, sessionId);
    });
    this.sessionIds = sessionIds;
    this.callIds = callIds;
    // Frozen, so that the store's prepare() keeps this array rather than copying it.
    this.records = Object.freeze(records);
    this.#store = store;
  }

  // Prepared on first use, not when planned: the registry checks that it runs first, and a
  // stopped registry's store may be closed.
  /** The records' keys, prepared by the registry's store. */
  get preparedRecords(): PreparedKeys {
    this.#preparedRecords ??= this.#store.prepare(this.records);
    return this.#preparedRecords;
  }

  /** The records' keys, then the close flags' keys in the same order, prepared by the store. */
  get recordsAndFlags(): PreparedKeys {
    this.#recordsAndFlags ??= this.#store.prepare(this.#recordsAndFlagKeys());
    return this.#recordsAndFlags;
  }

  #recordsAndFlagKeys(): readonly string[] {
    if (this.#recordsAndFlagsKeys !== undefined) return this.#recordsAndFlagsKeys;
    const n = this.records.length;
    const keys = new Array<string>(n * 2);
    for (let i = 0; i < n; i++) {
      keys[i] = this.records[i] as string;
      keys[n + i] = closeRequestKey(this.callIds[i] as string, this.sessionIds[i] as string);
    }
    this.#recordsAndFlagsKeys = Object.freeze(keys);
    return this.#recordsAndFlagsKeys;
  }

  /**
   * `records` then `tail`, prepared by the store: the cycle's refresh with the node's own keys (and
   * seats) folded in. Prepared once for the same `tail` array, as the plan's own sets are; the
   * refresh and the read keep a slot each, since their tails differ.
   */
  recordsWithTail(tail: readonly string[]): PreparedKeys {
    if (this.#refreshTail?.tail !== tail)
      this.#refreshTail = { tail, keys: this.#store.prepare(Object.freeze([...this.records, ...tail])) };
    return this.#refreshTail.keys;
  }

  /** `recordsAndFlags` then `tail`, prepared by the store: the cycle's read with the node's keys. */
  recordsAndFlagsWithTail(tail: readonly string[]): PreparedKeys {
    if (this.#readTail?.tail !== tail)
      this.#readTail = {
        tail,
        keys: this.#store.prepare(Object.freeze([...this.#recordsAndFlagKeys(), ...tail])),
      };
    return this.#readTail.keys;
  }

  /** Whether `sessions` holds exactly the ids this plan was built from, in the same order. */
  matches(sessions: ReadonlyMap<string, string>): boolean {
    if (sessions.size !== this.sessionIds.length) return false;
    let same = true;
    let i = 0;
    sessions.forEach((callId, sessionId) => {
      // Usually the very strings of the last call, so === is a pointer comparison.
      if (same && (this.sessionIds[i] !== sessionId || this.callIds[i] !== callId)) same = false;
      i++;
    });
    return same;
  }
}
