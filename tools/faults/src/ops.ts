// Every call the command makes into the session layer goes through here, so that a call that
// never settles is counted (a hung operation) instead of stalling the command.
export class Ops {
  readonly #pending = new Map<number, number>();
  #next = 0;
  #slow = 0;
  readonly hangMs: number;

  constructor(hangMs: number) {
    this.hangMs = hangMs;
  }

  /** Runs `op`; its result, or `undefined` when it fails or outlives `hangMs` (it is still tracked then). */
  async run<T>(op: () => Promise<T>, onError?: (error: unknown) => void): Promise<T | undefined> {
    const id = this.#next++;
    const started = Date.now();
    this.#pending.set(id, started);
    const call = op().then(
      (value) => value,
      (error: unknown) => {
        onError?.(error);
        return undefined;
      },
    );
    const tracked = call.finally(() => {
      this.#pending.delete(id);
      if (Date.now() - started >= this.hangMs) this.#slow++;
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.hangMs);
    });
    return Promise.race([tracked, late]).finally(() => clearTimeout(timer));
  }

  /** Calls that took longer than `hangMs`, settled or still pending. */
  get hung(): number {
    const now = Date.now();
    return this.#slow + [...this.#pending.values()].filter((started) => now - started >= this.hangMs).length;
  }
}
