import { ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, handleWhen, noop, retry } from "cockatiel";
import { type IOptions, isRecoverableError } from "etcd3";

/**
 * etcd3's default fault handling opens a circuit breaker on a host after three failed calls and
 * refuses every call to it for 5 s; its retries (three, back to back) count as failures, so one
 * dropped connection opens it. With a single host that is a 5 s outage for a 0.1 s blip, longer
 * than short session TTLs. Here:
 * - one host: no breaker, a call always reaches the host (a fresh connection after a drop);
 * - several hosts: the breaker steers calls away from a failed host, but only for 1 s;
 * - retries back off (50 ms doubling), so a blip shorter than a few hundred ms is absorbed
 *   within the call; every call's deadline still bounds them.
 */
export function faultHandling(hostCount: number): NonNullable<IOptions["faultHandling"]> {
  const recoverable = handleWhen((error) => isRecoverableError(error));
  return {
    host: () =>
      hostCount <= 1
        ? noop
        : circuitBreaker(recoverable, { halfOpenAfter: 1_000, breaker: new ConsecutiveBreaker(3) }),
    global: retry(recoverable, {
      maxAttempts: 4,
      backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 400 }),
    }),
  };
}
