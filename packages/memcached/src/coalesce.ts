/**
 * Joins the calls made within one turn of the event loop into one call of `flush`: writes
 * issued together (a `Promise.all` of sets, a host's sessions saving at once) share one
 * pipeline, and their index entries one `append` + `incr` per bucket instead of one each.
 * `flush` returns, per call, the error that call rejects with (`undefined`: it succeeded).
 */
export class Coalescer<T> {
  readonly #flush: (calls: readonly (readonly T[])[]) => Promise<readonly unknown[]>;
  #pending: { items: readonly T[]; resolve: () => void; reject: (error: unknown) => void }[] = [];

  constructor(flush: (calls: readonly (readonly T[])[]) => Promise<readonly unknown[]>) {
    this.#flush = flush;
  }

  submit(items: readonly T[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ items, resolve, reject });
      // nextTick runs once the current microtasks have drained: the calls started together
      // have all reached here by then.
      if (this.#pending.length === 1) process.nextTick(() => this.#drain());
    });
  }

  #drain(): void {
    const calls = this.#pending;
    this.#pending = [];
    this.#flush(calls.map((c) => c.items)).then(
      (errors) =>
        calls.forEach((call, i) => {
          if (errors[i] === undefined) call.resolve();
          else call.reject(errors[i]);
        }),
      (error: unknown) => {
        for (const call of calls) call.reject(error);
      },
    );
  }
}
