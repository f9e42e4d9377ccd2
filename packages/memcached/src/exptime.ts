import { ceilSeconds } from "@sessionkv/core/store-kit";

/**
 * Memcached's expiration field: seconds from now, except that values above 30 days are read
 * as an absolute Unix time (and `0` means never). So long TTLs are sent as absolute times; a
 * relative 31 days would be taken as a moment in January 1970 and expire the item at once.
 */
export const RELATIVE_EXPTIME_LIMIT_S = 60 * 60 * 24 * 30;

/**
 * Seconds the server keeps an item beyond its exact deadline. Memcached's clock ticks once a
 * second, from a timer that a busy machine fires late (seen lagging 1.6 s on a saturated 2-core
 * runner), and a relative exptime counts from that stale clock: with one spare second an item
 * vanished before its deadline. Reads hide an item at its exact deadline on their own, so the
 * server's expiry only collects the garbage, a few seconds later.
 */
export const SERVER_EXPIRY_MARGIN_S = 5;

/** The server's expiration for an exact deadline: rounded up to whole seconds, plus the margin. */
export function exptimeFor(expiresAtMs: number, now: number): number {
  const relative = ceilSeconds(Math.max(expiresAtMs - now, 1)) + SERVER_EXPIRY_MARGIN_S;
  if (relative <= RELATIVE_EXPTIME_LIMIT_S) return relative;
  return ceilSeconds(expiresAtMs) + SERVER_EXPIRY_MARGIN_S;
}
