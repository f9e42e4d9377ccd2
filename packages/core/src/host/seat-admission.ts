import { invalidArgument, limitReached } from "../errors.js";
import type { Lifecycle } from "../lifecycle.js";
import { type HeldSeat, validateSeatLimit } from "../registry/call-seats.js";
import type { SessionRegistry } from "../registry/session-registry.js";
import { validateId } from "../registry/validate.js";
import type { HostedSession, LocalSession } from "./hosted-session.js";
import { type AddOptions, type ReserveOptions, validateMethodOptions } from "./options.js";
import { type ReservedAddOptions, SeatReservation } from "./seat-reservation.js";
import type { HostSeats } from "./seats.js";

/** What seat admission needs of its host. */
export interface SeatAdmissionHost {
  readonly registry: SessionRegistry;
  readonly lifecycle: Lifecycle;
  readonly seats: HostSeats<object>;
  readonly maxSessionsPerCall: number | undefined;
  readonly maxSessions: number | undefined;
  /** How many sessions the host's local table holds (those being closed included). */
  sessionCount(): number;
  /** The host's `add`, on the seat `reservation` already holds. */
  addReserved(
    callId: string,
    sessionId: string,
    session: HostedSession,
    options: ReservedAddOptions | undefined,
    reservation: object,
  ): Promise<void>;
}

/**
 * Whether a node may take one more session or reservation ("Seats" in the README): a seat of the
 * call across the fleet (`maxSessionsPerCall`), and room on this node (`maxSessions`, which
 * reservations count against until their session takes their place).
 */
export class SeatAdmission {
  readonly #host: SeatAdmissionHost;
  readonly #reservations = new Set<object>();

  constructor(host: SeatAdmissionHost) {
    this.#host = host;
  }

  /** `host.reserve`: a seat of the call taken now, for a session that takes a while to launch. */
  async reserve(callId: string, options: ReserveOptions | undefined): Promise<SeatReservation> {
    const { registry, lifecycle, seats } = this.#host;
    validateId(callId, "callId");
    validateMethodOptions(options);
    const limit = options?.maxSessionsPerCall ?? this.#host.maxSessionsPerCall;
    if (limit === undefined)
      throw invalidArgument(
        "maxSessionsPerCall",
        "must be set (on the host or in reserve's options) to reserve a seat",
      );
    validateSeatLimit(limit, "maxSessionsPerCall");
    lifecycle.assertStarted("reserve");
    this.checkNodeLimit(callId, 0);
    const owner = {};
    // Counted against maxSessions while the claim runs, so that concurrent reserves cannot pass it.
    this.#reservations.add(owner);
    let seat: HeldSeat | null;
    try {
      seat = await registry.seats.claim(callId, limit);
    } catch (error) {
      this.#reservations.delete(owner);
      throw error;
    }
    if (seat === null) {
      this.#reservations.delete(owner);
      throw limitReached({ scope: "call", limit, callId, nodeId: registry.nodeId });
    }
    if (!lifecycle.started) {
      // Stopped or abandoned while the claim ran: nothing would refresh the seat, so it goes back.
      this.#reservations.delete(owner);
      await registry.seats.release(seat).catch(() => undefined);
      lifecycle.assertStarted("reserve");
    }
    const held = seat;
    seats.hold(owner, held, undefined);
    return new SeatReservation(callId, limit, held.key, {
      add: (sessionId, session, addOptions) =>
        this.#host.addReserved(callId, sessionId, session, addOptions, owner),
      release: async () => {
        this.#reservations.delete(owner);
        await seats.release(owner);
      },
    });
  }

  /** The call's seat limit an add claims under; none for a reserved add, whose seat is held already. */
  limitOf(options: AddOptions | undefined, reservation: object | undefined): number | undefined {
    const limit =
      reservation === undefined ? (options?.maxSessionsPerCall ?? this.#host.maxSessionsPerCall) : undefined;
    if (limit !== undefined) validateSeatLimit(limit, "options.maxSessionsPerCall");
    return limit;
  }

  /** ERR_LIMIT_REACHED when this node holds `maxSessions` sessions and reservations (less `replacing`). */
  checkNodeLimit(callId: string, replacing: number): void {
    const limit = this.#host.maxSessions;
    if (limit === undefined) return;
    if (this.#host.sessionCount() + this.#reservations.size - replacing >= limit)
      throw limitReached({ scope: "node", limit, callId, nodeId: this.#host.registry.nodeId });
  }

  /** Takes a seat of the call for `local` before it registers; ERR_LIMIT_REACHED when none is free. */
  async claimFor(local: LocalSession, limit: number, stillHosted: () => boolean): Promise<void> {
    const { registry, seats } = this.#host;
    const { callId, sessionId } = local;
    const seat = await registry.seats.claim(callId, limit, sessionId);
    if (seat === null) throw limitReached({ scope: "call", limit, callId, nodeId: registry.nodeId });
    seats.hold(local, seat, sessionId);
    // Removed while the claim ran: its release found no seat yet, so it is given back here.
    if (!stillHosted()) void seats.release(local);
  }

  /** A reserved add registered: the reservation's seat is its session's now. */
  admitted(reservation: object, local: LocalSession): void {
    this.#reservations.delete(reservation);
    this.#host.seats.transfer(reservation, local, local.sessionId);
  }

  /** The host stops: reservations not turned into sessions give their seats back. */
  releaseReservations(): void {
    for (const owner of [...this.#reservations]) {
      this.#reservations.delete(owner);
      void this.#host.seats.release(owner);
    }
  }

  /** The host was abandoned: its reservations are forgotten with their seats, which expire. */
  forgetReservations(): void {
    this.#reservations.clear();
  }
}
