import { DEADLINE_HEADER_BYTES, decodeWithDeadline, encodeWithDeadline } from "@sessionkv/core/store-kit";

/**
 * What a data item holds:
 *
 *   [0x4b][u16 key length][original key, UTF-8][core deadline envelope: version, expiresAtMs, value]
 *
 * The original key lets a read reject an item that is not the one asked for (a hashed key
 * that collided, or a foreign writer); the exact deadline filters reads, because Memcached's
 * own expiry is whole seconds and deliberately late (see exptime.ts).
 */
const MAGIC = 0x4b;
const KEY_HEADER_BYTES = 3;

/** Bytes the envelope adds to a value whose key has `keyBytes` UTF-8 bytes. */
export function envelopeOverhead(keyBytes: number): number {
  return KEY_HEADER_BYTES + keyBytes + DEADLINE_HEADER_BYTES;
}

/** The envelope as parts, so the request frame copies the value once. */
export function encodeEnvelope(keyBytes: Buffer, value: Uint8Array, expiresAtMs: number): Uint8Array[] {
  const head = Buffer.allocUnsafe(KEY_HEADER_BYTES + keyBytes.length);
  head[0] = MAGIC;
  head.writeUInt16BE(keyBytes.length, 1);
  keyBytes.copy(head, KEY_HEADER_BYTES);
  return [head, encodeWithDeadline(value, expiresAtMs)];
}

/** Offset of the deadline envelope if `stored` is an item for `keyBytes`, else -1. */
function deadlineOffset(stored: Uint8Array, keyBytes: Buffer): number {
  if (stored.byteLength < KEY_HEADER_BYTES || stored[0] !== MAGIC) return -1;
  const length = (stored[1]! << 8) | stored[2]!;
  const end = KEY_HEADER_BYTES + length;
  if (length !== keyBytes.length || stored.byteLength < end + DEADLINE_HEADER_BYTES) return -1;
  return keyBytes.equals(stored.subarray(KEY_HEADER_BYTES, end)) ? end : -1;
}

/** The exact deadline of `stored` if it is an item for `keyBytes`, else null (treated as absent). */
export function storedDeadline(stored: Uint8Array, keyBytes: Buffer): number | null {
  const at = deadlineOffset(stored, keyBytes);
  if (at < 0) return null;
  // Only the header is decoded: no copy of the value for a liveness check.
  return decodeWithDeadline(stored.subarray(at, at + DEADLINE_HEADER_BYTES))?.expiresAtMs ?? null;
}

/** The value (a copy) if `stored` is a live item for `keyBytes`, else null. */
export function liveValueOf(stored: Uint8Array, keyBytes: Buffer, now: number): Uint8Array | null {
  const at = deadlineOffset(stored, keyBytes);
  if (at < 0) return null;
  // decodeWithDeadline copies the value out of memjs's receive buffer.
  const record = decodeWithDeadline(stored.subarray(at));
  return record !== null && record.expiresAtMs > now ? record.value : null;
}

/** A copy of a stored item with only its deadline changed (expire keeps the value as it is). */
export function withDeadline(stored: Uint8Array, keyBytes: Buffer, expiresAtMs: number): Buffer | null {
  const at = deadlineOffset(stored, keyBytes);
  if (at < 0) return null;
  const copy = Buffer.from(stored);
  copy.writeDoubleBE(expiresAtMs, at + 1);
  return copy;
}
