import { deadlineNow } from "@sessionkv/core/store-kit";
import type { IKeyValue, IRangeResponse, KVClient } from "etcd3";
import { type Keyspace, keyAfter } from "./keyspace.js";
import type { CallOptions } from "./lease-pool.js";
import type { Reader } from "./reader.js";
import { listedState, liveValue } from "./record.js";

/**
 * `keys(prefix)`: paginated `keys_only` range reads, `pageSize` keys per page, each page
 * starting just after the previous page's last key, all pages read at the revision of the
 * first one (one consistent snapshot however many pages). Liveness comes from the lease IDs
 * the listing returns (see record.ts); only keys within one lease bucket of their lease's end
 * have their values read.
 */
export class Lister {
  readonly #kv: KVClient;
  readonly #reader: Reader;
  readonly #keyspace: Keyspace;
  readonly #pageSize: number;
  readonly #bucketMs: number;
  readonly #callOptions: () => CallOptions;

  constructor(
    kv: KVClient,
    reader: Reader,
    keyspace: Keyspace,
    settings: { pageSize: number; bucketMs: number },
    callOptions: () => CallOptions,
  ) {
    this.#kv = kv;
    this.#reader = reader;
    this.#keyspace = keyspace;
    this.#pageSize = settings.pageSize;
    this.#bucketMs = settings.bucketMs;
    this.#callOptions = callOptions;
  }

  async keys(prefix: string): Promise<string[]> {
    try {
      return await this.#list(prefix);
    } catch (error) {
      // The pinned revision was compacted between two pages: list again at a newer one.
      if (error instanceof Error && error.message.includes("required revision has been compacted"))
        return this.#list(prefix);
      throw error;
    }
  }

  async #list(prefix: string): Promise<string[]> {
    const { start, end } = this.#keyspace.range(prefix);
    const found: string[] = [];
    const unknown: Buffer[] = [];
    let from = start;
    let revision: string | undefined;
    // Expiry is judged at the moment keys() was called, like every read (store.ts).
    const now = deadlineNow();
    for (;;) {
      const page: IRangeResponse = await this.#kv.range(
        {
          key: from,
          range_end: end,
          keys_only: true,
          limit: this.#pageSize,
          ...(revision === undefined ? {} : { revision }),
        },
        this.#callOptions(),
      );
      revision ??= page.header.revision;
      for (const kv of page.kvs) {
        const state = listedState(kv, this.#bucketMs, now);
        if (state === "alive") this.#push(found, kv);
        else if (state === "unknown") unknown.push(kv.key);
      }
      const last = page.kvs.at(-1);
      if (!page.more || last === undefined) break;
      from = keyAfter(last.key);
    }
    if (unknown.length > 0) {
      const kvs = await this.#reader.getMany(unknown);
      for (const kv of kvs) if (kv !== undefined && liveValue(kv, now) !== null) this.#push(found, kv);
    }
    return found;
  }

  #push(found: string[], kv: IKeyValue): void {
    const key = this.#keyspace.decode(kv.key);
    if (key !== null) found.push(key);
  }
}
