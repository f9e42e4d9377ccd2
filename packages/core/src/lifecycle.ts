import { ErrorCode, SessionKVError, notRunning } from "./errors.js";

/**
 * `new` → `starting` → `started` → `stopping` → `stopped`. A failed start goes back to `new`, so
 * that it can be retried; a stop is final.
 */
export type LifecyclePhase = "new" | "starting" | "started" | "stopping" | "stopped";

/** The errors a call outside the started window rejects with: each owner names its own. */
export interface LifecycleErrors {
  /** A call before `start()` completed. */
  notStarted(operation: string): SessionKVError;
  /** A call (`start()` included) once a stop began. */
  stopped(operation: string): SessionKVError;
}

/** The store's errors: ERR_STORE_NOT_STARTED and ERR_STORE_CLOSED (see "The store contract" in the README). */
export const storeLifecycleErrors: LifecycleErrors = {
  notStarted: (operation) =>
    new SessionKVError(ErrorCode.STORE_NOT_STARTED, `${operation}() called before start() completed`),
  stopped: (operation) => new SessionKVError(ErrorCode.STORE_CLOSED, `${operation}() called after close()`),
};

/** A registry's or a host's errors: ERR_NOT_RUNNING naming `owner.operation()`. */
export function runningLifecycleErrors(owner: string): LifecycleErrors {
  return {
    notStarted: (operation) => notRunning(owner, operation, "before start() completed"),
    stopped: (operation) => notRunning(owner, operation, "after stop()"),
  };
}

/**
 * The one start/stop state machine of the store, the registry and the host, so the three agree
 * on what the README promises of each: `start()` idempotent, concurrent calls sharing one start,
 * a failed start retried afresh, a stop idempotent and final, a start that completes after a stop
 * began leaving the owner stopped, and every call outside the started window rejecting.
 */
export class Lifecycle {
  readonly #errors: LifecycleErrors;
  #phase: LifecyclePhase = "new";
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  constructor(errors: LifecycleErrors) {
    this.#errors = errors;
  }

  get phase(): LifecyclePhase {
    return this.#phase;
  }

  get started(): boolean {
    return this.#phase === "started";
  }

  /**
   * Runs `work` once for any number of concurrent calls; `onStarted` runs once it succeeded, unless
   * a stop began meanwhile (then the owner stays stopped and its start work is not followed up).
   */
  start(work: () => Promise<void>, onStarted?: () => void): Promise<void> {
    if (this.#stopping !== undefined) throw this.#errors.stopped("start");
    if (this.#phase === "started") return Promise.resolve();
    if (this.#starting === undefined) {
      this.#phase = "starting";
      this.#starting = work().then(
        () => {
          if (this.#phase !== "starting") return;
          this.#phase = "started";
          onStarted?.();
        },
        (error: unknown) => {
          if (this.#phase === "starting") this.#phase = "new";
          this.#starting = undefined;
          throw error;
        },
      );
    }
    return this.#starting;
  }

  /**
   * Runs `work` once for any number of calls. It receives the start in flight, if any, for an
   * owner whose stop must wait for it (a store closing the client its start is opening).
   * `wasStarted` says whether the owner had completed a start.
   */
  stop(
    work: (context: { starting: Promise<void> | undefined; wasStarted: boolean }) => Promise<void>,
  ): Promise<void> {
    if (this.#stopping !== undefined) return this.#stopping;
    const context = { starting: this.#starting, wasStarted: this.#phase === "started" };
    this.#phase = "stopping";
    this.#stopping = (async () => {
      try {
        await work(context);
      } finally {
        this.#phase = "stopped";
      }
    })();
    return this.#stopping;
  }

  /**
   * Stopped at once, without stop work: a later `stop()` resolves at once. A stop already under
   * way goes on to its end.
   */
  stopNow(): void {
    this.#phase = "stopped";
    this.#stopping ??= Promise.resolve();
  }

  /** Throws unless started. */
  assertStarted(operation: string): void {
    if (this.#phase === "started") return;
    throw this.#phase === "new" || this.#phase === "starting"
      ? this.#errors.notStarted(operation)
      : this.#errors.stopped(operation);
  }

  /** Throws unless started or stopping: for what a stop's own work may still call. */
  assertStartedOrStopping(operation: string): void {
    if (this.#phase === "new" || this.#phase === "starting") throw this.#errors.notStarted(operation);
    if (this.#phase === "stopped") throw this.#errors.stopped(operation);
  }
}
