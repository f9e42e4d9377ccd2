import { invalidArgument } from "@sessionkv/core/store-kit";

/**
 * How `keys(prefix)` finds keys (README, "Listing"):
 * - `"index"`: a registry-shaped prefix (one that contains a partition, core README,
 *   "Partitions") reads a per-partition sorted set the store's own writes maintain; any other
 *   prefix scans. Records written without the index (Python nodes, `"scan"` nodes) are not listed.
 * - `"index+scan"`: writes maintain the index, listings scan: complete in a fleet shared with
 *   Python nodes, and ready to switch to `"index"` once they are gone.
 * - `"scan"`: no index, every listing is a SCAN of the database (the Python original's way).
 */
export type ListingMode = "index" | "index+scan" | "scan";

const MODES: readonly ListingMode[] = ["index", "index+scan", "scan"];

export function validateListing(listing: unknown): ListingMode {
  if (MODES.includes(listing as ListingMode)) return listing as ListingMode;
  throw invalidArgument("listing", `must be one of ${MODES.map((m) => `"${m}"`).join(", ")}`);
}

/**
 * Index keys live inside the store's namespace, so an ACL key pattern for `keyPrefix` covers
 * them, behind a NUL no real key starts with; keys starting with it are refused (`isReserved`).
 * The Python original's listing (`SCAN MATCH keyPrefix + "sessions/{call}/*"`) never matches them.
 */
export const INDEX_MARK = "\u0000index\u0000";

export function isReserved(key: string): boolean {
  return key.charCodeAt(0) === 0 && key.startsWith(INDEX_MARK);
}

export function refuseReserved(keys: readonly string[], parameter: string): void {
  for (const key of keys) {
    if (key.charCodeAt(0) === 0 && key.startsWith(INDEX_MARK))
      throw invalidArgument(
        parameter,
        "keys starting with NUL + 'index' + NUL are reserved for the listing index",
      );
  }
}

/**
 * Index entries are only pruned by score, never by a delete or an existence check (either could
 * race with a concurrent writer and drop a live key), and a score only ever rises (ZADD GT), so
 * it is never below the deadline of the record. Scores are the server's clock, estimated from
 * `TIME`; the grace covers the estimate's drift between two listings and clock differences
 * between the masters of a cluster.
 */
export const PRUNE_GRACE_MS = 60_000;

/** The server's clock estimated locally: one TIME reading plus the local monotonic clock since. */
export class ServerClock {
  #base = Date.now();
  #at = performance.now();

  /** Records a TIME reply taken between `sentAt` and now (performance.now() values). */
  sync(time: readonly [string, string] | readonly string[], sentAt: number): void {
    const now = performance.now();
    this.#base = Number(time[0]) * 1_000 + Math.floor(Number(time[1]) / 1_000);
    this.#at = (sentAt + now) / 2;
  }

  now(): number {
    return this.#base + (performance.now() - this.#at);
  }
}
