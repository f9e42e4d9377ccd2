/**
 * Runs a cycle every `intervalMs` after the previous one ended (a setTimeout chain, never
 * setInterval), so cycles never overlap however slow the store is. `run()` asks for a cycle now;
 * it queues behind the running one. A cycle that throws is reported and the loop goes on.
 */
export class MaintenanceLoop {
  readonly #runCycle: () => Promise<void>;
  readonly #intervalMs: number;
  readonly #onError: (error: unknown) => void;
  #tail: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #cycles = 0;

  constructor(runCycle: () => Promise<void>, intervalMs: number, onError: (error: unknown) => void) {
    this.#runCycle = runCycle;
    this.#intervalMs = intervalMs;
    this.#onError = onError;
  }

  /** Cycles run to their end, successful or not. */
  get cycles(): number {
    return this.#cycles;
  }

  start(): void {
    this.#schedule();
  }

  /** Runs one cycle after the one in progress (if any); resolves when it has run, never rejects. */
  run(): Promise<void> {
    const next = this.#tail.then(() => this.#once());
    this.#tail = next;
    return next;
  }

  /** No further cycles; resolves once the running one (and any queued by `run`) has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#tail;
  }

  #schedule(): void {
    if (this.#stopped) return;
    // Unref'd: the loop alone does not keep a process alive; an application that ends without
    // stop() lets its sessions expire on the TTL, as after a crash.
    this.#timer = setTimeout(() => {
      void this.run().then(() => this.#schedule());
    }, this.#intervalMs);
    this.#timer.unref?.();
  }

  async #once(): Promise<void> {
    if (this.#stopped) return;
    try {
      // Counted before a failure is reported: its report may read the count.
      await this.#runCycle().finally(() => this.#cycles++);
    } catch (error) {
      this.#onError(error);
    }
  }
}
