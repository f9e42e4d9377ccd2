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

/** `[magic][u16 key length][key]`: the part of a data item that depends only on its key. */
export function keyHead(keyBytes: Buffer): Buffer {
  const head = Buffer.allocUnsafe(KEY_HEADER_BYTES + keyBytes.length);
  head[0] = MAGIC;
  head.writeUInt16BE(keyBytes.length, 1);
  keyBytes.copy(head, KEY_HEADER_BYTES);
  return head;
}

/**
 * The envelope as parts: the key's head (`keyHead`), the deadline header and the value
 * itself, which the request frame copies once, when it is encoded.
 */
export function encodeEnvelope(head: Buffer, value: Uint8Array, expiresAtMs: number): Uint8Array[] {
  return [head, encodeWithDeadline(NO_VALUE, expiresAtMs), value];
}

const NO_VALUE = new Uint8Array(0);

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

/**
 * A stored item with only its deadline changed (expire keeps the value as it is), as parts
 * that view `stored` around the new deadline: no copy until the request frame is encoded.
 */
export function withDeadline(stored: Uint8Array, keyBytes: Buffer, expiresAtMs: number): Uint8Array[] | null {
  const at = deadlineOffset(stored, keyBytes);
  if (at < 0) return null;
  const header = encodeWithDeadline(NO_VALUE, expiresAtMs);
  return [stored.subarray(0, at), header, stored.subarray(at + DEADLINE_HEADER_BYTES)];
}
