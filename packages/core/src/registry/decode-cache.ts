import type { StoredSession } from "./session-info.js";

/**
 * The records the heartbeat reads saw, by session id, with the bytes they were decoded from. An
 * unchanged session's record comes back byte for byte on every cycle, and comparing bytes costs a
 * fraction of parsing its JSON and rebuilding its objects (the bulk of a cycle's client CPU and
 * garbage at 10,000 sessions). Keyed by the caller's id strings, not by the store keys built from
 * them: those are new strings on every read, and hashing them costs as much as the lookups save.
 * Once it holds more than twice what the last read saw, what that read did not see is dropped, so
 * it stays about the size of one read. Cached sessions are frozen: the same objects go to every later caller.
 *
 * A read calls `hit`/`keep` for each record and then `commit`, all synchronously, so two reads in
 * flight never interleave their bookkeeping.
 */
export class DecodeCache {
  readonly #entries = new Map<string, Entry>();
  #read = 0;
  #seen = 0;

  /** The session decoded earlier from exactly these bytes for this session, if any. */
  hit(callId: string, sessionId: string, bytes: Uint8Array): StoredSession | undefined {
    const entry = this.#entries.get(sessionId);
    if (entry === undefined || entry.callId !== callId || !sameBytes(entry.bytes, bytes)) return undefined;
    entry.read = this.#read;
    this.#seen++;
    return entry.session;
  }

  /** Remembers a freshly decoded session; returns it frozen. */
  keep(callId: string, sessionId: string, bytes: Uint8Array, session: StoredSession): StoredSession {
    const frozen = freeze(session);
    this.#entries.set(sessionId, { callId, bytes, session: frozen, read: this.#read });
    this.#seen++;
    return frozen;
  }

  /** Ends a read; drops what it did not see once the cache holds more than twice what it saw. */
  commit(): void {
    if (this.#entries.size > 2 * this.#seen + 64) {
      for (const [sessionId, entry] of this.#entries) {
        if (entry.read !== this.#read) this.#entries.delete(sessionId);
      }
    }
    this.#read++;
    this.#seen = 0;
  }
}

interface Entry {
  readonly callId: string;
  readonly bytes: Uint8Array;
  readonly session: StoredSession;
  /** The last read that saw it. */
  read: number;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;
}

function freeze(session: StoredSession): StoredSession {
  Object.freeze(session.info.metrics);
  Object.freeze(session.info);
  Object.freeze(session.record);
  return Object.freeze(session);
}
