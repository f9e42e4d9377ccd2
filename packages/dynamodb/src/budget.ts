import { ErrorCode, SessionKVError } from "@sessionkv/core";

/**
 * The time one store operation may spend, shared by all its requests and retries. The base
 * store rejects at `operationTimeoutMs` regardless; this budget ends a little earlier so that
 * in-flight requests are aborted (not left running after the caller gave up) and the error the
 * caller sees carries the driver's error as its cause.
 */
export class Budget {
  readonly operation: string;
  /** `performance.now()` time: a step of the wall clock neither shortens nor lengthens the budget. */
  readonly deadline: number;
  readonly signal: AbortSignal;
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;

  constructor(operation: string, ms: number) {
    this.operation = operation;
    this.deadline = performance.now() + ms;
    this.signal = this.#controller.signal;
    this.#timer = setTimeout(() => {
      this.#controller.abort(
        new SessionKVError(
          ErrorCode.STORE_UNAVAILABLE,
          `${operation}: DynamoDB did not answer within ${ms} ms`,
        ),
      );
    }, ms);
    this.#timer.unref();
  }

  /** The error to report when the budget has run out and `cause` is what the work failed with; else null. */
  expiredError(cause: unknown): SessionKVError | null {
    const reason: unknown = this.signal.reason;
    if (!this.signal.aborted || !(reason instanceof SessionKVError) || cause === reason) return null;
    return new SessionKVError(reason.code, reason.message, { cause });
  }

  remainingMs(): number {
    return this.deadline - performance.now();
  }

  /** Sleeps `ms`, or throws when the budget would run out first. */
  async backoff(ms: number, what: string): Promise<void> {
    if (this.remainingMs() <= ms) {
      throw new SessionKVError(
        ErrorCode.STORE_UNAVAILABLE,
        `${this.operation}: ${what} still pending when the operation's time ran out`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, ms));
  }

  dispose(): void {
    clearTimeout(this.#timer);
  }
}

/** Budget shorter than the base store's deadline by a small margin (see Budget). */
export function budgetMs(operationTimeoutMs: number): number {
  return Math.max(1, operationTimeoutMs - Math.min(250, Math.ceil(operationTimeoutMs * 0.1)));
}

/** Exponential backoff with full jitter, as DynamoDB recommends for unprocessed batch items. */
export function backoffMs(attempt: number, baseMs = 25, capMs = 1_000): number {
  return Math.random() * Math.min(capMs, baseMs * 2 ** attempt);
}
