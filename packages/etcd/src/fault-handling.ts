import { ConsecutiveBreaker, circuitBreaker, handleWhen, noop } from "cockatiel";
import { type IOptions, isRecoverableError } from "etcd3";

/**
 * etcd3's default fault handling opens a circuit breaker on a host after three failed calls and
 * refuses every call to it for 5 s; its retries (three, back to back) count as failures, so one
 * dropped connection opens it. With a single host that is a 5 s outage for a 0.1 s blip, longer
 * than short session TTLs. Here:
 * - one host: no breaker, a call always reaches the host (a fresh connection after a drop);
 * - several hosts: the breaker steers calls away from a failed host, but only for 1 s;
 * - no retries: a write whose outcome is unknown is never sent again behind the store's back
 *   (the lease bookkeeping counts each put once, writer.ts); the caller's next call, a fresh
 *   one, is the retry.
 */
export function faultHandling(hostCount: number): NonNullable<IOptions["faultHandling"]> {
  return {
    host: () =>
      hostCount <= 1
        ? noop
        : circuitBreaker(
            handleWhen((error) => isRecoverableError(error)),
            { halfOpenAfter: 1_000, breaker: new ConsecutiveBreaker(3) },
          ),
    global: noop,
  };
}
