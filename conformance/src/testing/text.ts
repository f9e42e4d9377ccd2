/** UTF-8 bytes of `text`: values in tests are written as text so failures read as text. */
export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** `value` read back as UTF-8, `null` (or `undefined`, a missing array slot) as `null`. */
export function text(value: Uint8Array | null | undefined): string | null {
  return value == null ? null : new TextDecoder().decode(value);
}
