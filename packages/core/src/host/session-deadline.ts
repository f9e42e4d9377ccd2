/**
 * One timer per session with a deadline. A timer, not the maintenance cycle, so that a session
 * closes at its deadline and not up to one interval later. Long delays are re-armed in steps:
 * setTimeout fires at once for delays past 2^31 − 1 ms.
 */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

export class SessionDeadlines<T extends object> {
  readonly #timers = new Map<T, NodeJS.Timeout>();
  readonly #onDue: (owner: T) => void;

  constructor(onDue: (owner: T) => void) {
    this.#onDue = onDue;
  }

  /** Calls `onDue(owner)` at epoch ms `deadline` (at once if it passed), unless cleared first. */
  arm(owner: T, deadline: number): void {
    this.clear(owner);
    const wait = deadline - Date.now();
    const timer = setTimeout(
      () => {
        this.#timers.delete(owner);
        if (wait > LONGEST_TIMER_MS) this.arm(owner, deadline);
        else this.#onDue(owner);
      },
      Math.max(0, Math.min(wait, LONGEST_TIMER_MS)),
    );
    // A deadline alone never keeps a process alive: the host's loop and the sessions do that.
    timer.unref();
    this.#timers.set(owner, timer);
  }

  clear(owner: T): void {
    const timer = this.#timers.get(owner);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.#timers.delete(owner);
  }

  clearAll(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
