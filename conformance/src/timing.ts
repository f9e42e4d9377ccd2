import type { StoreCapabilities } from "@sessionkv/core";

/**
 * TTL tolerances derived from a store's declared capabilities, so one suite serves a
 * millisecond-exact in-process store and etcd's 2-second lease minimum alike.
 */
export interface Timing {
  /** The shortest TTL cases use for "wait until it expires". */
  readonly shortTtlMs: number;
  /** A TTL no case outlives. */
  readonly longTtlMs: number;
  /** The latest moment a record written with `ttlMs` may still be visible, plus scheduling slack. */
  goneByMs(ttlMs: number): number;
  /** A moment safely before `ttlMs` elapses, at which the record must still be there. */
  stillThereAtMs(ttlMs: number): number;
}

/**
 * The operation deadline backends give the stores of a conformance run (and of their own tests
 * of anything but deadlines). A healthy server on a
 * saturated shared runner can take longer than a production deadline (5 s) to answer; what a
 * deadline does when it does expire is the outage scenarios' subject, not the contract's.
 */
export const CONFORMANCE_OPERATION_TIMEOUT_MS = 30_000;

/** Timer and event-loop jitter on a loaded CI machine, added to every "gone by" bound. */
const SLACK_MS = 400;

export function timingFor(capabilities: StoreCapabilities): Timing {
  const { ttlResolutionMs, minTtlMs, expiryLagMs } = capabilities;
  const shortTtlMs = Math.max(500, minTtlMs, ttlResolutionMs);
  return {
    shortTtlMs,
    longTtlMs: Math.max(120_000, shortTtlMs * 30),
    goneByMs(ttlMs) {
      const effective = Math.ceil(Math.max(ttlMs, minTtlMs) / ttlResolutionMs) * ttlResolutionMs;
      return effective + expiryLagMs + SLACK_MS;
    },
    stillThereAtMs(ttlMs) {
      return Math.max(0, Math.min(ttlMs * 0.6, ttlMs - 150));
    },
  };
}
