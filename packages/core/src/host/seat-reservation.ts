import { invalidArgument } from "../errors.js";
import type { HostedSession } from "./hosted-session.js";

/** What `SeatReservation.add` accepts beside the session: the per-session options of `host.add`. */
export interface ReservedAddOptions {
  /** Overrides the host's `maxSessionDurationMs` for this session. */
  readonly maxSessionDurationMs?: number;
}

/** The host's side of a reservation: turning it into a session, or giving it back. */
export interface ReservationHooks {
  add(sessionId: string, session: HostedSession, options: ReservedAddOptions | undefined): Promise<void>;
  release(): Promise<void>;
}

/**
 * A seat of a call held before its session exists, for launches that take seconds: it counts
 * against the call's limit from `host.reserve` on, the heartbeat refreshes it, and it expires on
 * its TTL if the node dies. Use it once: `add` registers a session on it, `release` gives it back.
 */
export class SeatReservation {
  readonly callId: string;
  /** The limit the seat was taken under. */
  readonly limit: number;
  /** The seat's key in the store. */
  readonly seatKey: string;
  readonly #hooks: ReservationHooks;
  #state: "held" | "adding" | "used" | "released" = "held";

  constructor(callId: string, limit: number, seatKey: string, hooks: ReservationHooks) {
    this.callId = callId;
    this.limit = limit;
    this.seatKey = seatKey;
    this.#hooks = hooks;
  }

  /** Whether the seat is still this reservation's (not added, not released). */
  get held(): boolean {
    return this.#state === "held";
  }

  /**
   * Registers the session on this seat (as `host.add` would, without claiming another). If it
   * rejects, the reservation still holds the seat: add again or release it.
   */
  async add(sessionId: string, session: HostedSession, options?: ReservedAddOptions): Promise<void> {
    if (this.#state !== "held")
      throw invalidArgument(
        "reservation",
        `is ${this.#state === "adding" ? "being added" : this.#state}; a seat takes one session`,
      );
    this.#state = "adding";
    try {
      await this.#hooks.add(sessionId, session, options);
      this.#state = "used";
    } catch (error) {
      if (this.#state === "adding") this.#state = "held";
      throw error;
    }
  }

  /** Gives the seat back (`deleteIfEquals`). Idempotent; a no-op once added. */
  async release(): Promise<void> {
    if (this.#state !== "held") return;
    this.#state = "released";
    await this.#hooks.release();
  }
}
