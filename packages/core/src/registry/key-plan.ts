import { closeRequestKey, sessionKey } from "./keys.js";

/**
 * The store keys of one set of sessions (sessionId → callId, in the map's order), kept from one
 * heartbeat to the next. A host polls the same sessions in the same order every cycle; building
 * 20,000 key strings per cycle, and the store validating and prefixing every one of them, was
 * most of what a cycle cost above the raw commands at 10,000 sessions (docs/benchmarks.md). The arrays are
 * frozen so that a store may memoise what it derives from them (see BaseSessionKVStore).
 */
export class KeyPlan {
  readonly sessionIds: readonly string[];
  readonly callIds: readonly string[];
  /** The records' keys, in the map's order. */
  readonly records: readonly string[];
  #recordsAndFlags: readonly string[] | undefined;
  /** The last `then` lists built, for the tail they were built with (a node's keys: one array). */
  #tailed:
    | { tail: readonly string[]; records: readonly string[]; recordsAndFlags: readonly string[] }
    | undefined;

  constructor(sessions: ReadonlyMap<string, string>) {
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
    this.records = Object.freeze(records);
  }

  /** The records' keys, then the close flags' keys in the same order. */
  get recordsAndFlags(): readonly string[] {
    if (this.#recordsAndFlags !== undefined) return this.#recordsAndFlags;
    const n = this.records.length;
    const keys = new Array<string>(n * 2);
    for (let i = 0; i < n; i++) {
      keys[i] = this.records[i] as string;
      keys[n + i] = closeRequestKey(this.callIds[i] as string, this.sessionIds[i] as string);
    }
    this.#recordsAndFlags = Object.freeze(keys);
    return this.#recordsAndFlags;
  }

  /**
   * `records` then `tail`, and `recordsAndFlags` then `tail`: the cycle's refresh and read with the
   * node's own keys folded in. Built once for the same `tail` array, as the plan's own lists are.
   */
  withTail(tail: readonly string[]): { records: readonly string[]; recordsAndFlags: readonly string[] } {
    if (this.#tailed?.tail === tail) return this.#tailed;
    this.#tailed = {
      tail,
      records: Object.freeze([...this.records, ...tail]),
      recordsAndFlags: Object.freeze([...this.recordsAndFlags, ...tail]),
    };
    return this.#tailed;
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
