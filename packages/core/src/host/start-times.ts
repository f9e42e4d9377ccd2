/**
 * Start times are bumped by this much when the clock has not moved since the last `add`, so that
 * no two registrations on a node share `node_id` + `started_at`: close flags and retried removals
 * name a registration by them. 10 µs stays distinct after the wire's division into seconds.
 */
const STARTED_AT_STEP_MS = 0.01;

/** The start times of a host's registrations: the clock's, and never the same twice. */
export class StartTimes {
  #last = 0;

  next(): number {
    const now = Date.now();
    this.#last = now > this.#last ? now : this.#last + STARTED_AT_STEP_MS;
    return this.#last;
  }
}
