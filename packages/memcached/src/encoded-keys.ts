import { keyHead } from "./envelope.js";
import type { KeyEncoder } from "./key-encoding.js";

/** What every operation on a key derives from it: its Memcached key and its envelope header. */
export interface EncodedKey {
  readonly key: string;
  readonly keyBytes: Buffer;
  readonly dataKey: string;
  /** `[magic][u16 length][key]`, the start of its data item (envelope.ts). Never mutated. */
  readonly head: Buffer;
}

/** Keys a store remembers encoded; beyond, it starts over (a forgotten key is encoded again). */
const MAX_REMEMBERED_KEYS = 10_000;

/**
 * Sessions are written, read and refreshed over and over under the same keys: remembering
 * their encodings spares each call a UTF-8 encoding, a base64url (or SHA-256) encoding and an
 * allocation, a measurable share of a call that takes one round trip.
 */
export class EncodedKeys {
  readonly #encoder: KeyEncoder;
  readonly #known = new Map<string, EncodedKey>();

  constructor(encoder: KeyEncoder) {
    this.#encoder = encoder;
  }

  of(key: string): EncodedKey {
    let encoded = this.#known.get(key);
    if (encoded === undefined) {
      if (this.#known.size >= MAX_REMEMBERED_KEYS) this.#known.clear();
      const keyBytes = Buffer.from(key, "utf8");
      encoded = { key, keyBytes, dataKey: this.#encoder.dataKey(key, keyBytes), head: keyHead(keyBytes) };
      this.#known.set(key, encoded);
    }
    return encoded;
  }
}
