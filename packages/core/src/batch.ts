/** Splits `items` into consecutive slices of at most `size` (server batch limits). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Unique values in first-seen order; returns the input itself when it has no repeats. */
export function unique<T>(items: readonly T[]): readonly T[] {
  const set = new Set(items);
  return set.size === items.length ? items : [...set];
}

/**
 * A fresh copy of `bytes` as a plain Uint8Array. `Buffer#slice` returns a view that shares
 * memory with the driver's receive buffer, so `.slice()` on whatever a driver hands back is not
 * a copy; `Uint8Array.prototype.slice` always is.
 */
export function copyBytes(bytes: Uint8Array, start = 0, end = bytes.byteLength): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes, start, end);
}

/** Byte-for-byte equality, whatever views the two arrays are (a driver's Buffer, a caller's Uint8Array). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
