/**
 * How far this process's wall clock is from its monotonic clock: `Date.now()` minus the
 * monotonic clock read as epoch ms. Constant (within a millisecond of rounding) while the wall
 * clock runs; it changes only when the wall clock steps (NTP stepping, a VM clock correction),
 * since a slewing NTP adjusts both clocks alike. The suite proves timing by the monotonic clock
 * while a store may judge deadlines by the wall clock, so a step during a case is evidence of its own.
 */
export function wallClockOffsetMs(): number {
  // A process preempted between the two readings would see a step that is not there: the wall
  // reading is bracketed by two monotonic ones, and retried while the bracket is wide.
  let best = Number.POSITIVE_INFINITY;
  let offset = 0;
  for (let tries = 0; tries < 5 && best > BRACKET_MS; tries++) {
    const before = performance.now();
    const wall = Date.now();
    const after = performance.now();
    if (after - before < best) {
      best = after - before;
      offset = wall - (performance.timeOrigin + (before + after) / 2);
    }
  }
  return offset;
}

/** A bracket this narrow pins the wall reading to within the offset's own rounding. */
const BRACKET_MS = 1;

/**
 * A change of the offset this large during a case is a step of the wall clock, not rounding (at
 * most 1 ms) or scheduling: both readings are taken back to back.
 */
export const WALL_CLOCK_STEP_MS = 20;

/** The offset when the watch began, and how far it moved by each later reading. */
export class WallClockWatch {
  readonly #start = wallClockOffsetMs();
  #largest = 0;

  /** The offset's change since the watch began (positive: the wall clock stepped forward). */
  stepMs(): number {
    const step = wallClockOffsetMs() - this.#start;
    if (Math.abs(step) > Math.abs(this.#largest)) this.#largest = step;
    return step;
  }

  /** The largest change any `stepMs()` reading saw. */
  largestStepMs(): number {
    return this.#largest;
  }
}

/** A step as a case result states it: `+412 ms`, `-35 ms`. */
export function formatStep(stepMs: number): string {
  const rounded = Math.round(stepMs);
  return `${rounded > 0 ? "+" : ""}${rounded} ms`;
}
