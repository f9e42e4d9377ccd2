import type { StoredSession } from "./session-info.js";

/**
 * The records a heartbeat read last time, by session id, with the bytes they were decoded from. An
 * unchanged session's record comes back byte for byte on every cycle, and comparing bytes costs a
 * fraction of parsing its JSON and rebuilding its objects (the bulk of a cycle's client CPU and
 * garbage at 10,000 sessions). Each read replaces the whole cache with what it saw, so it holds at
 * most one read's records and forgets removed sessions by itself. Cached sessions are frozen: the
 * same objects go to every later caller. Keyed by the caller's id strings, not by the store keys
 * built from them: those are new strings on every read, and hashing them costs as much as the
 * lookups save.
 */
export class DecodeCache {
  #entries = new Map<string, Entry>();
  #next = new Map<string, Entry>();

  /** The session decoded earlier from exactly these bytes for this session, if any. */
  hit(callId: string, sessionId: string, bytes: Uint8Array): StoredSession | undefined {
    const entry = this.#entries.get(sessionId);
    if (entry === undefined || entry.callId !== callId || !sameBytes(entry.bytes, bytes)) return undefined;
    this.#next.set(sessionId, entry);
    return entry.session;
  }

  /** Remembers a freshly decoded session for the next read; returns it frozen. */
  keep(callId: string, sessionId: string, bytes: Uint8Array, session: StoredSession): StoredSession {
    const frozen = freeze(session);
    this.#next.set(sessionId, { callId, bytes, session: frozen });
    return frozen;
  }

  /** Ends a read: what it saw becomes the cache. */
  commit(): void {
    this.#entries = this.#next;
    this.#next = new Map();
  }
}

interface Entry {
  readonly callId: string;
  readonly bytes: Uint8Array;
  readonly session: StoredSession;
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
