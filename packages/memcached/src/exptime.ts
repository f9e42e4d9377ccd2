import { ceilSeconds } from "@sessionkv/core/store-kit";

/**
 * Memcached's expiration field: seconds from now, except that values above 30 days are read
 * as an absolute Unix time (and `0` means never). So long TTLs are sent as absolute times; a
 * relative 31 days would be taken as a moment in January 1970 and expire the item at once.
 */
export const RELATIVE_EXPTIME_LIMIT_S = 60 * 60 * 24 * 30;

/**
 * The server's expiration for an exact deadline: rounded up to whole seconds, plus one.
 * The server's clock ticks once a second and an item expires when that clock reaches its
 * exptime; set just before a tick, a 1-second exptime would be gone a moment later. The extra
 * second keeps every item on the server at least until its exact deadline, which reads
 * enforce on their own, so the server's expiry only collects the garbage.
 */
export function exptimeFor(expiresAtMs: number, now: number): number {
  const relative = ceilSeconds(Math.max(expiresAtMs - now, 1)) + 1;
  if (relative <= RELATIVE_EXPTIME_LIMIT_S) return relative;
  return ceilSeconds(expiresAtMs) + 1;
}
