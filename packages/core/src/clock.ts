/**
 * The clock every record deadline is computed and judged by, in core and in every backend (core
 * README, "Clocks and expiry"). It reads epoch milliseconds like `Date.now()`, but a step of this
 * process's wall clock (NTP stepping, a VM clock correction) does not move it at once: it is
 * anchored to the wall clock when first read and then advanced by the monotonic clock, and it
 * follows a wall clock that moved away from it only by slewing, at most `MAX_CLOCK_SLEW` ms per
 * ms elapsed. A forward step of the wall clock therefore cannot make a record written by this
 * process look expired early here: between a write and a read `elapsed` ms later, this clock
 * advances at most `elapsed * (1 + MAX_CLOCK_SLEW)`. It never runs backwards.
 *
 * Both hold for steps up to `MAX_SLEWED_GAP_MS`. A larger gap is followed at once: the monotonic
 * clock stands still while the machine is suspended, so after a resume the gap is time that
 * really passed (the server's TTLs ran meanwhile), and a wall clock set right by more than that
 * was wrong by more than any expiry tolerance; slewing either away would leave this node out of
 * step with the others for hours.
 */

/**
 * How fast the clock closes a gap to the wall clock: 1 ms per second (0.1 %), twice the rate at
 * which ntpd slews a clock, so a 400 ms step is absorbed in 400 s while a record's deadline
 * comes at most 0.1 % of its TTL early, far inside every backend's declared expiry tolerances.
 */
export const MAX_CLOCK_SLEW = 0.001;

/** The largest gap to the wall clock closed by slewing (in 2000 s); a larger one is taken at once. */
export const MAX_SLEWED_GAP_MS = 2_000;

export class SteadyWallClock {
  readonly #readWall: () => number;
  readonly #readMonotonic: () => number;
  readonly #slew: number;
  /** Epoch ms minus monotonic ms, as this clock currently reckons it. */
  #offset: number | undefined;
  #lastMonotonic = 0;

  /** The readers are looked up on every read, so a replaced `Date.now` is seen (tests do it). */
  constructor(
    readWall: () => number = () => Date.now(),
    readMonotonic: () => number = () => performance.now(),
    slew = MAX_CLOCK_SLEW,
  ) {
    this.#readWall = readWall;
    this.#readMonotonic = readMonotonic;
    this.#slew = slew;
  }

  /** Epoch milliseconds, whole, never less than the previous reading (but see `MAX_SLEWED_GAP_MS`). */
  now(): number {
    const monotonic = this.#readMonotonic();
    if (this.#offset === undefined) {
      this.#offset = this.#readWall() - monotonic;
    } else {
      const elapsed = monotonic - this.#lastMonotonic;
      if (elapsed > 0) {
        const gap = this.#readWall() - monotonic - this.#offset;
        const bound = Math.abs(gap) > MAX_SLEWED_GAP_MS ? Math.abs(gap) : elapsed * this.#slew;
        this.#offset += Math.max(-bound, Math.min(bound, gap));
      }
    }
    if (monotonic > this.#lastMonotonic) this.#lastMonotonic = monotonic;
    return Math.floor(this.#lastMonotonic + this.#offset);
  }

  /** How far the wall clock is from this clock now (positive: the wall clock is ahead). */
  wallGapMs(): number {
    return this.#readWall() - this.now();
  }
}

/** The process's one deadline clock. */
export const deadlineClock = new SteadyWallClock();

/** `deadlineClock.now()`: epoch ms for computing and judging record deadlines. */
export function deadlineNow(): number {
  return deadlineClock.now();
}
