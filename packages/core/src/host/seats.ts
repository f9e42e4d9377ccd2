import type { CallSeats, HeldSeat } from "../registry/call-seats.js";
import type { SessionLogger } from "../registry/logger.js";
import type { HostEvents } from "./host-events.js";

/** Who holds a seat: a session (by id) or a reservation not yet turned into one. */
interface Holding {
  readonly callId: string;
  sessionId: string | undefined;
  seat: HeldSeat;
}

export interface HostSeatsOptions {
  readonly seats: CallSeats;
  readonly events: HostEvents;
  readonly logger: SessionLogger;
  readonly ttlMs: number;
  /** The store's TTL granularity: a server counting whole seconds may expire a key up to that early. */
  readonly ttlResolutionMs: number;
}

/**
 * The seats a host holds, for its sessions and its reservations: their keys for the heartbeat's
 * `expire`, their check after a heartbeat gap, and their release.
 *
 * A normal cycle only extends the seats' TTL, in the same `expire` as the records, and reads
 * nothing more. A seat can only have expired if the gap since the last successful refresh came
 * close to the TTL, or if the store lost data (then records are missing too): only then are the
 * seats read back, and a lost one retaken or reported ("Seats" in the core README).
 */
export class HostSeats<Owner extends object> {
  readonly #seats: CallSeats;
  readonly #events: HostEvents;
  readonly #logger: SessionLogger;
  readonly #ttlMs: number;
  readonly #margin: number;
  readonly #held = new Map<Owner, Holding>();
  /** Holders whose seat is lost and not replaced yet: each cycle tries again. */
  readonly #lost = new Set<Owner>();
  readonly #releases = new Set<Promise<void>>();
  #keys: readonly string[] | undefined;
  #lastRefreshAt: number | undefined;

  constructor(options: HostSeatsOptions) {
    this.#seats = options.seats;
    this.#events = options.events;
    this.#logger = options.logger;
    this.#ttlMs = options.ttlMs;
    // A tenth of the TTL also absorbs the two clocks drifting apart over one TTL.
    this.#margin = Math.max(options.ttlResolutionMs, options.ttlMs / 10);
  }

  get size(): number {
    return this.#held.size;
  }

  /** How many seats this host holds for a call (reservations included). */
  heldFor(callId: string): number {
    let n = 0;
    for (const h of this.#held.values()) if (h.callId === callId) n++;
    return n;
  }

  has(owner: Owner): boolean {
    return this.#held.has(owner);
  }

  hold(owner: Owner, seat: HeldSeat, sessionId: string | undefined): void {
    this.#held.set(owner, { callId: seat.callId, sessionId, seat });
    this.#keys = undefined;
  }

  /** A reservation's seat now belongs to the session it became. */
  transfer(from: Owner, to: Owner, sessionId: string): void {
    const holding = this.#held.get(from);
    if (holding === undefined) return;
    this.#held.delete(from);
    holding.sessionId = sessionId;
    this.#held.set(to, holding);
    if (this.#lost.delete(from)) this.#lost.add(to);
  }

  /** The keys of every seat held, for the heartbeat's `expire`: the same frozen array until one changes. */
  keys(): readonly string[] {
    if (this.#keys !== undefined) return this.#keys;
    const keys: string[] = [];
    for (const [owner, h] of this.#held) if (!this.#lost.has(owner)) keys.push(h.seat.key);
    this.#keys = Object.freeze(keys);
    return this.#keys;
  }

  /** Lets go of the owner's seat: `deleteIfEquals`, so a seat taken by another holder since is left alone. */
  release(owner: Owner): Promise<void> {
    const holding = this.#held.get(owner);
    if (holding === undefined) return Promise.resolve();
    this.#held.delete(owner);
    this.#keys = undefined;
    if (this.#lost.delete(owner)) return Promise.resolve();
    const done = this.#seats
      .release(holding.seat)
      .then(() => undefined)
      .catch((error: unknown) => {
        this.#logger.warn(
          `sessionkv: releasing seat ${JSON.stringify(holding.seat.key)} failed; it frees itself on its TTL`,
          error,
        );
      });
    this.#releases.add(done);
    void done.finally(() => this.#releases.delete(done));
    return done;
  }

  /** Every release in progress, settled. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#releases]);
  }

  /** Forgets every seat without releasing it, as a crashed process would: they expire on their TTL. */
  abandon(): void {
    this.#held.clear();
    this.#lost.clear();
    this.#keys = undefined;
    this.#lastRefreshAt = undefined;
  }

  /**
   * After a successful heartbeat `expire` issued at `refreshedAt`: when the gap since the previous
   * one came within the margin of the TTL, or records were missing, reads every seat back; lost
   * ones are retaken, or replaced by a free seat, or reported. Seats lost earlier are tried again.
   */
  async afterRefresh(refreshedAt: number, recordsMissing: boolean): Promise<void> {
    const last = this.#lastRefreshAt;
    this.#lastRefreshAt = refreshedAt;
    const gap = last === undefined ? 0 : refreshedAt - last;
    const suspect = recordsMissing || gap >= this.#ttlMs - this.#margin;
    const owners = suspect ? [...this.#held.keys()] : [...this.#lost];
    if (owners.length === 0) return;
    const holdings = owners.map((o) => this.#held.get(o) as Holding);
    const held = await this.#seats.held(holdings.map((h) => h.seat));
    await Promise.all(
      owners.map(async (owner, i) => {
        if (held[i]) return;
        const holding = holdings[i] as Holding;
        const seat = (await this.#seats.retake(holding.seat))
          ? holding.seat
          : await this.#seats.claim(holding.callId, holding.seat.limit, holding.sessionId ?? "");
        if (this.#held.get(owner) !== holding) {
          // Released while this check ran: a seat just taken for it is given back.
          if (seat !== null) await this.#seats.release(seat).catch(() => undefined);
          return;
        }
        const wasLost = this.#lost.delete(owner);
        if (seat !== null) {
          holding.seat = seat;
          this.#keys = undefined;
          this.#logger.warn(
            `sessionkv: the seat of ${describe(holding)} had expired (heartbeat gap ${Math.round(gap)} ms, TTL ${this.#ttlMs} ms, or data loss); it holds ${JSON.stringify(seat.key)} now`,
          );
          this.#events.emit("seat-retaken", {
            callId: holding.callId,
            sessionId: holding.sessionId,
            seatKey: seat.key,
          });
          return;
        }
        this.#lost.add(owner);
        this.#keys = undefined;
        if (wasLost) return;
        this.#logger.warn(
          `sessionkv: the seat of ${describe(holding)} expired (heartbeat gap ${Math.round(gap)} ms, TTL ${this.#ttlMs} ms, or data loss) and all ${holding.seat.limit} seat(s) of the call are taken: the call is over its limit until a seat frees; each cycle tries again`,
          { callId: holding.callId, sessionId: holding.sessionId, seatKey: holding.seat.key },
        );
        this.#events.emit("seat-lost", {
          callId: holding.callId,
          sessionId: holding.sessionId,
          seatKey: holding.seat.key,
          limit: holding.seat.limit,
        });
      }),
    );
  }
}

function describe(holding: Holding): string {
  return holding.sessionId === undefined
    ? `a reservation in call ${JSON.stringify(holding.callId)}`
    : `session ${JSON.stringify(`${holding.callId}/${holding.sessionId}`)}`;
}
