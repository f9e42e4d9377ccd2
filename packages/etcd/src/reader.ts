import type { IKeyValue, IRangeResponse, ITxnResponse, KVClient } from "etcd3";
import { GRPCResourceExhastedError } from "etcd3";
import type { CallOptions } from "./lease-pool.js";

/**
 * Batched point reads: one transaction of range requests per `maxTxnOps` keys, chunks sent
 * concurrently. gRPC clients refuse responses above their receive limit (4 MiB by default in
 * clients the store did not create), so a chunk whose values are too large for one response
 * is split in halves until it fits.
 */
export class Reader {
  readonly #kv: KVClient;
  readonly #maxTxnOps: number;
  readonly #callOptions: () => CallOptions;

  constructor(kv: KVClient, maxTxnOps: number, callOptions: () => CallOptions) {
    this.#kv = kv;
    this.#maxTxnOps = maxTxnOps;
    this.#callOptions = callOptions;
  }

  async get(key: Buffer): Promise<IKeyValue | undefined> {
    const response: IRangeResponse = await this.#kv.range({ key }, this.#callOptions());
    return response.kvs[0];
  }

  async getMany(keys: readonly Buffer[]): Promise<(IKeyValue | undefined)[]> {
    if (keys.length === 1) return [await this.get(keys[0]!)];
    return this.#batched(keys, false);
  }

  /**
   * The cluster's current revision, read linearizably (a read on any member waits until that
   * member has applied every write committed before it): a count of one key, O(1) on the server.
   */
  async revision(key: Buffer): Promise<string> {
    const response: IRangeResponse = await this.#kv.range({ key, count_only: true }, this.#callOptions());
    return response.header.revision;
  }

  /** Each key's metadata (lease, revisions) without its value: `undefined` for missing keys. */
  async metadata(keys: readonly Buffer[]): Promise<(IKeyValue | undefined)[]> {
    return this.#batched(keys, true);
  }

  async #batched(keys: readonly Buffer[], keysOnly: boolean): Promise<(IKeyValue | undefined)[]> {
    const chunks: Buffer[][] = [];
    for (let i = 0; i < keys.length; i += this.#maxTxnOps) chunks.push(keys.slice(i, i + this.#maxTxnOps));
    const results = await Promise.all(chunks.map((chunk) => this.#chunk(chunk, keysOnly)));
    return results.flat();
  }

  async #chunk(keys: readonly Buffer[], keysOnly: boolean): Promise<(IKeyValue | undefined)[]> {
    try {
      const response: ITxnResponse = await this.#kv.txn(
        { success: keys.map((key) => ({ request_range: { key, keys_only: keysOnly } })) },
        this.#callOptions(),
      );
      return response.responses.map((result) => result.response_range?.kvs[0]);
    } catch (error) {
      if (!(error instanceof GRPCResourceExhastedError) || keys.length === 1) throw error;
      const half = Math.ceil(keys.length / 2);
      const [first, second] = await Promise.all([
        this.#chunk(keys.slice(0, half), keysOnly),
        this.#chunk(keys.slice(half), keysOnly),
      ]);
      return [...first, ...second];
    }
  }
}
