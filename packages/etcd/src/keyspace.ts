/**
 * Store keys are `keyPrefix + key` in UTF-8. etcd keys are arbitrary bytes, so any well-formed
 * key (spaces, `*`, `\`, emoji...) is stored as is and needs no escaping; listing a prefix is a
 * byte range [prefix, prefixEnd(prefix)).
 */
export class Keyspace {
  readonly #prefix: Buffer;

  constructor(keyPrefix: string) {
    this.#prefix = Buffer.from(keyPrefix, "utf8");
  }

  encode(key: string): Buffer {
    return Buffer.concat([this.#prefix, Buffer.from(key, "utf8")]);
  }

  /**
   * A stored key's name as callers spell it (`decode`), or its bytes as latin1 for keys this
   * library did not write: the kept leases' bookkeeping compares it with the keys `expire` lists,
   * as they are, without building a string per listed key.
   */
  name(raw: Buffer): string {
    return this.decode(raw) ?? raw.toString("latin1");
  }

  /** `null` for keys outside the namespace or whose bytes are not UTF-8 this library wrote. */
  decode(raw: Buffer): string | null {
    if (raw.length < this.#prefix.length || !raw.subarray(0, this.#prefix.length).equals(this.#prefix))
      return null;
    const rest = raw.subarray(this.#prefix.length);
    const key = rest.toString("utf8");
    return key.length > 0 && Buffer.byteLength(key, "utf8") === rest.length ? key : null;
  }

  /** [start, end) of every key starting with `prefix` in this namespace. */
  range(prefix: string): { start: Buffer; end: Buffer } {
    const start = this.encode(prefix);
    return { start, end: prefixEnd(start) };
  }
}

/** etcd's convention: increment the last byte below 0xff; `\0` means "to the end of the keyspace". */
export function prefixEnd(prefix: Buffer): Buffer {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const byte = prefix[i]!;
    if (byte < 0xff) {
      const end = Buffer.from(prefix.subarray(0, i + 1));
      end[i] = byte + 1;
      return end;
    }
  }
  return Buffer.from([0]);
}

/** The smallest key after `key`: where the next page of a range read starts. */
export function keyAfter(key: Buffer): Buffer {
  return Buffer.concat([key, Buffer.from([0])]);
}
