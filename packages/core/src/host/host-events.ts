import type { SessionLogger } from "../registry/logger.js";

/** A seat a session (or a reservation) held was found lost, and no free seat could replace it. */
export interface SeatLostEvent {
  readonly callId: string;
  /** Undefined for a reservation not yet turned into a session. */
  readonly sessionId: string | undefined;
  /** The seat key it held. */
  readonly seatKey: string;
  readonly limit: number;
}

/** A seat found lost was replaced by a free one (the same or another index). */
export interface SeatRetakenEvent {
  readonly callId: string;
  readonly sessionId: string | undefined;
  readonly seatKey: string;
}

/** Another node holds the record of a session this node hosts; this node stopped writing it. */
export interface SessionTakenOverEvent {
  readonly callId: string;
  readonly sessionId: string;
  /** The node the record names now. */
  readonly ownerNodeId: string;
}

/** What a `SessionHost` reports beside its log lines, by event name. */
export interface HostEventMap {
  "seat-lost": SeatLostEvent;
  "seat-retaken": SeatRetakenEvent;
  "session-taken-over": SessionTakenOverEvent;
}

export type HostEventName = keyof HostEventMap;

/**
 * A minimal typed emitter, so that a host's reports reach code and not only logs. Listeners run
 * synchronously in registration order; one that throws is logged and the others still run.
 */
export class HostEvents {
  readonly #listeners = new Map<HostEventName, Set<(event: never) => void>>();
  readonly #logger: SessionLogger;

  constructor(logger: SessionLogger) {
    this.#logger = logger;
  }

  /** Calls `listener` for each event of that name; returns the function that unsubscribes it. */
  on<K extends HostEventName>(name: K, listener: (event: HostEventMap[K]) => void): () => void {
    const set = this.#listeners.get(name) ?? new Set();
    this.#listeners.set(name, set);
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  emit<K extends HostEventName>(name: K, event: HostEventMap[K]): void {
    const set = this.#listeners.get(name);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        (listener as (event: HostEventMap[K]) => void)(event);
      } catch (error) {
        this.#logger.error(`sessionkv: a ${JSON.stringify(name)} listener threw`, error);
      }
    }
  }
}
