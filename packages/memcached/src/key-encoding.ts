import { createHash } from "node:crypto";

/**
 * Memcached keys are at most 250 bytes with no spaces or control characters (the text
 * protocol splits on them, and so do proxies and `mc`-style tools even where the binary
 * protocol would not). The contract's keys are any well-formed text up to 1024 UTF-8 bytes,
 * so every key is encoded:
 *
 *   <ns>k<base64url(utf8 key)>    when that fits in 250 bytes (keys up to 129-177 bytes, by the
 *                                 keyPrefix's length), else
 *   <ns>h<base64url(sha256(key))> (43 characters).
 *
 * The original key is never derived back from a hashed form: it travels in the value envelope
 * and in the listing index. `<ns>` is a fixed-shape tag of the store's keyPrefix, so two
 * namespaces never share a Memcached key even when one keyPrefix is a prefix of the other.
 */

const MEMCACHED_MAX_KEY_BYTES = 250;

/** A keyPrefix shown as is inside the namespace tag when it is this short and printable. */
const READABLE_PREFIX = /^[\x21-\x7e]{0,64}$/;

export class KeyEncoder {
  /** `<readable keyPrefix or empty>#<11 chars of sha256(keyPrefix)>:` */
  readonly namespace: string;
  readonly #directLimit: number;

  constructor(keyPrefix: string) {
    const tag = createHash("sha256").update(keyPrefix, "utf8").digest("base64url").slice(0, 11);
    this.namespace = `${READABLE_PREFIX.test(keyPrefix) ? keyPrefix : ""}#${tag}:`;
    this.#directLimit = MEMCACHED_MAX_KEY_BYTES - this.namespace.length - 1;
  }

  /** `utf8`: the key's UTF-8 bytes, when the caller has them already. */
  dataKey(key: string, utf8?: Buffer): string {
    return this.#encode("k", "h", key, utf8);
  }

  /** The namespace-wide index bucket of keys outside any registry-shaped scope. */
  bucketKey(bucket: number): string {
    return `${this.namespace}i${bucket}`;
  }

  counterKey(bucket: number): string {
    return `${this.namespace}c${bucket}`;
  }

  /** The directory bucket that lists scopes (see listing-index.ts). */
  directoryKey(bucket: number): string {
    return `${this.namespace}d${bucket}`;
  }

  directoryCounterKey(bucket: number): string {
    return `${this.namespace}e${bucket}`;
  }

  /** The index item of one scope (`sessions/{call}/`). */
  scopeKey(scope: string): string {
    return this.#encode("s", "S", scope);
  }

  scopeCounterKey(scope: string): string {
    return this.#encode("t", "T", scope);
  }

  #encode(direct: string, hashed: string, text: string, utf8?: Buffer): string {
    const bytes = utf8 ?? Buffer.from(text, "utf8");
    // base64url grows 3 bytes into 4 characters, unpadded.
    if (Math.ceil((bytes.length * 4) / 3) <= this.#directLimit)
      return `${this.namespace}${direct}${bytes.toString("base64url")}`;
    return `${this.namespace}${hashed}${createHash("sha256").update(bytes).digest("base64url")}`;
  }
}

/** FNV-1a over UTF-16 units: spreads keys over index buckets; stable across processes and versions. */
export function bucketOf(key: string, buckets: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % buckets;
}
