/**
 * Patch to etcd3, through its public `faultHandling` option: etcd3's default circuit breaker
 * turns a 0.1 s connection drop into a 5 s outage, longer than short session TTLs (details on
 * `faultHandling` below). Exported, so that a caller who builds their own client can use it
 * too (README, "Connection drops").
 */
import {
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  type IDefaultPolicyContext,
  type IPolicy,
  circuitBreaker,
  handleWhen,
  isBrokenCircuitError,
  noop,
} from "cockatiel";
import { type IOptions, isRecoverableError } from "etcd3";

/**
 * etcd3's default fault handling opens a circuit breaker on a host after three failed calls and
 * refuses every call to it for 5 s; its retries (three, back to back) count as failures, so one
 * dropped connection opens it. With a single host that is a 5 s outage for a 0.1 s blip, longer
 * than short session TTLs. Here:
 * - one host: no breaker, a call always reaches the host (a fresh connection after a drop);
 * - several hosts: the breaker steers calls away from a failed host, for 1 s, but only towards a
 *   host that has not failed ({@link SteeringBreaker});
 * - no retries: a write whose outcome is unknown is never sent again behind the store's back
 *   (the lease bookkeeping counts each put once, writer.ts); the caller's next call, a fresh
 *   one, is the retry.
 */
export function faultHandling(hostCount: number): NonNullable<IOptions["faultHandling"]> {
  if (hostCount <= 1) return { host: () => noop, global: noop };
  const breakers: CircuitBreakerPolicy[] = [];
  return {
    host: () => {
      const breaker = circuitBreaker(
        handleWhen((error) => isRecoverableError(error)),
        { halfOpenAfter: 1_000, breaker: new ConsecutiveBreaker(3) },
      );
      breakers.push(breaker);
      return new SteeringBreaker(breaker, breakers);
    },
    global: noop,
  };
}

/**
 * One host's breaker, which refuses a call only while another host's breaker is closed.
 *
 * A fault that hits every member at once (a network drop, the whole cluster restarting) opens
 * every breaker: each then refused every call for 1 s after the servers were back, and again
 * whenever its half-open test met a connection still being re-established, so the observer's
 * listings failed for more than a maintenance interval after a 0.1 s drop (docs/faults.md).
 * Refusing is only worth it when there is a healthy host to send the call to; with none, the
 * call goes to the host as if it had no breaker (a fresh connection, as with one host).
 */
class SteeringBreaker implements IPolicy<IDefaultPolicyContext> {
  declare readonly _altReturn: never;
  readonly #breaker: CircuitBreakerPolicy;
  readonly #all: readonly CircuitBreakerPolicy[];

  constructor(breaker: CircuitBreakerPolicy, all: readonly CircuitBreakerPolicy[]) {
    this.#breaker = breaker;
    this.#all = all;
  }

  get onSuccess() {
    return this.#breaker.onSuccess;
  }

  get onFailure() {
    return this.#breaker.onFailure;
  }

  async execute<T>(
    fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T,
    signal?: AbortSignal,
  ): Promise<T> {
    if (this.#all.some((b) => b.state === CircuitState.Closed)) return this.#breaker.execute(fn, signal);
    // No healthy host. A half-open breaker is testing the host with another call: waiting for
    // that test would hold this call for up to its deadline, so it goes straight through.
    if (this.#breaker.state === CircuitState.HalfOpen) return noop.execute(fn, signal);
    // An open breaker whose pause is over runs the call as its test (a success closes it, and
    // steering resumes); one still pausing refuses without running it: then run it anyway.
    let ran = false;
    try {
      return await this.#breaker.execute((context) => {
        ran = true;
        return fn(context);
      }, signal);
    } catch (error) {
      if (ran || !isBrokenCircuitError(error)) throw error;
      return noop.execute(fn, signal);
    }
  }
}
