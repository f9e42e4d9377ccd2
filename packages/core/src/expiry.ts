import { copyBytes } from "./batch.js";
import { deadlineNow } from "./clock.js";

/**
 * The shared expiry mechanism of the networked backends (core README, "Writing a backend:
 * `BaseSessionKVStore`"): the exact deadline in epoch milliseconds travels with the value and
 * every read filters on it, while the server's own, coarser expiry (DynamoDB's lazy reaper, etcd's
 * 2 s lease minimum, Memcached's 1 s clock) only collects the garbage. A record is thus never
 * visible past its deadline, whatever the server's granularity. "Now" is `deadlineNow()`, which a
 * step of this process's wall clock does not move; skew between the nodes sharing a store shifts
 * expiry by the skew (core README, "Clocks and expiry").
 */

/** Deadline in epoch ms for a TTL starting now. */
export function deadlineFor(ttlMs: number, now = deadlineNow()): number {
  return now + ttlMs;
}

/** Whole seconds, rounded up, so a server-side expiry never fires before the exact deadline. */
export function ceilSeconds(ms: number): number {
  return Math.ceil(ms / 1000);
}

const HEADER_BYTES = 9;
const VERSION = 1;

/** value → [version:1][expiresAtMs:float64 BE][value…] */
export function encodeWithDeadline(value: Uint8Array, expiresAtMs: number): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + value.byteLength);
  out[0] = VERSION;
  out.writeDoubleBE(expiresAtMs, 1);
  out.set(value, HEADER_BYTES);
  return out;
}

export interface DecodedRecord {
  readonly value: Uint8Array;
  readonly expiresAtMs: number;
}

/** `null` for bytes this library did not write (a foreign writer in the namespace): treated as absent. */
export function decodeWithDeadline(bytes: Uint8Array): DecodedRecord | null {
  if (bytes.byteLength < HEADER_BYTES || bytes[0] !== VERSION) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const expiresAtMs = view.getFloat64(1, false);
  if (!Number.isFinite(expiresAtMs)) return null;
  return { value: copyBytes(bytes, HEADER_BYTES), expiresAtMs };
}

/** Decoded value if present and unexpired, else null. */
export function liveValue(bytes: Uint8Array | null | undefined, now = deadlineNow()): Uint8Array | null {
  if (bytes == null) return null;
  const record = decodeWithDeadline(bytes);
  return record !== null && record.expiresAtMs > now ? record.value : null;
}

export const DEADLINE_HEADER_BYTES = HEADER_BYTES;
