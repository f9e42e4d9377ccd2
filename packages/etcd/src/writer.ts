import { deadlineNow, encodeWithDeadline } from "@sessionkv/core/store-kit";
import type { IRequestOp, ITxnResponse, KVClient } from "etcd3";
import { EtcdLeaseInvalidError } from "etcd3";
import { EXACT_BASE, type LeaseKind, floorId } from "./lease-id.js";
import type { CallOptions, LeasePool } from "./lease-pool.js";

export interface WriteOp {
  readonly key: Buffer;
  /** `undefined` keeps the stored value (`ignore_value`): expire never overwrites a concurrent write's value. */
  readonly value: Buffer | undefined;
  readonly deadlineMs: number;
  readonly kind: LeaseKind;
  /**
   * Checked by the server in the transaction that writes. `alive`: only if the key exists and is
   * unexpired. `absent`: only if it is missing or expired (a claim, `setIfAbsent`).
   */
  readonly guard: "none" | "alive" | "absent";
  /** A lease already granted (a kept lease) to attach the key to, instead of one per `deadlineMs`. */
  readonly lease?: string;
}

export interface WriterLimits {
  readonly maxTxnOps: number;
  readonly maxRequestBytes: number;
}

/** Room left in a request for the txn framing and the lease IDs. */
const REQUEST_OVERHEAD_BYTES = 16 * 1024;
const OP_OVERHEAD_BYTES = 64;
const LEASE_ATTEMPTS = 3;

/**
 * Puts with leases, in as few transactions as the server's limits allow (`--max-txn-ops`,
 * `--max-request-bytes`), chunks sent concurrently.
 *
 * Guarded writes use nested transactions, one per key inside each chunk, so that one key's
 * failed guard does not fail its neighbours (a transaction's compares succeed or fail as a
 * whole). Nested operations count against the outer transaction's op budget, so a guarded
 * chunk holds at most half of `maxTxnOps` keys.
 *
 * The `alive` guard is exact and entirely server-side, in two nested levels because a key's
 * deadline lives in one of two places (record.ts):
 *   1. `lease > floorId(now, exact)`: an exact lease that ends after now (lease IDs sort by
 *      deadline, exact ones above all bucket ones);
 *   2. otherwise `0 < lease < EXACT_BASE` (a bucket lease, so the value's header is the
 *      deadline) and `value > header(now + ½ ms)`: the header is a version byte then the
 *      deadline as a big-endian float64, and positive float64s sort bytewise like numbers, so
 *      the server compares deadlines; deadlines are whole milliseconds, so "> now + ½" is
 *      exactly "> now".
 * A missing key fails both (etcd fails every value compare on a missing key), so an expired
 * or deleted key is never brought back and a concurrent write is never lost.
 */
export class Writer {
  readonly #kv: KVClient;
  readonly #pool: LeasePool;
  readonly #limits: WriterLimits;
  readonly #callOptions: () => CallOptions;

  constructor(kv: KVClient, pool: LeasePool, limits: WriterLimits, callOptions: () => CallOptions) {
    this.#kv = kv;
    this.#pool = pool;
    this.#limits = limits;
    this.#callOptions = callOptions;
  }

  async write(ops: readonly WriteOp[]): Promise<void> {
    await Promise.all(this.#chunks(ops).map((chunk) => this.#applyChunk(chunk)));
  }

  /** One write in one transaction; whether its guard let the put run. */
  async writeOne(op: WriteOp): Promise<boolean> {
    const [applied] = await this.#applyChunk([op]);
    return applied === true;
  }

  /** Deletes in transactions of `maxTxnOps`, releasing the leases the keys were attached to. */
  async delete(keys: readonly Buffer[]): Promise<void> {
    const chunks: Buffer[][] = [];
    for (let i = 0; i < keys.length; i += this.#limits.maxTxnOps)
      chunks.push(keys.slice(i, i + this.#limits.maxTxnOps));
    await Promise.all(
      chunks.map(async (chunk) => {
        const response = await this.#kv.txn(
          { success: chunk.map((key) => ({ request_delete_range: { key, prev_kv: true } })) },
          this.#callOptions(),
        );
        for (const result of response.responses) {
          for (const kv of result.response_delete_range?.prev_kvs ?? [])
            this.#pool.release(kv.lease, 1, kv.key);
        }
      }),
    );
  }

  #chunks(ops: readonly WriteOp[]): WriteOp[][] {
    const guarded = ops.some((op) => op.guard !== "none");
    const maxOps = guarded ? Math.max(1, Math.floor(this.#limits.maxTxnOps / 2)) : this.#limits.maxTxnOps;
    const maxBytes = this.#limits.maxRequestBytes - REQUEST_OVERHEAD_BYTES;
    const chunks: WriteOp[][] = [];
    let current: WriteOp[] = [];
    let bytes = 0;
    for (const op of ops) {
      const size = op.key.length * (guarded ? 3 : 1) + (op.value?.length ?? 0) + OP_OVERHEAD_BYTES;
      if (current.length > 0 && (current.length >= maxOps || bytes + size > maxBytes)) {
        chunks.push(current);
        current = [];
        bytes = 0;
      }
      current.push(op);
      bytes += size;
    }
    if (current.length > 0) chunks.push(current);
    return chunks;
  }

  async #applyChunk(ops: readonly WriteOp[]): Promise<boolean[]> {
    for (let attempt = 1; ; attempt++) {
      const leases = await this.#acquire(ops);
      let response: ITxnResponse;
      try {
        response = await this.#kv.txn(this.#request(ops, leases), this.#callOptions());
      } catch (error) {
        // Any other failure may have been applied before the connection broke: the leases
        // keep their references (revoking them could delete the keys just written) and run out.
        if (!(error instanceof EtcdLeaseInvalidError)) throw error;
        // A lease ran out or was revoked between grant and put (a long stall, an operator's
        // revoke): the transaction failed as a whole; try again with fresh leases (a lease
        // chosen by the caller cannot be replaced here: its caller decides).
        for (const id of leases) this.#pool.release(id);
        for (const id of new Set(leases)) this.#pool.invalidate(id);
        if (attempt >= LEASE_ATTEMPTS || ops.some((op) => op.lease !== undefined)) throw error;
        continue;
      }
      return this.#settle(ops, leases, response);
    }
  }

  async #acquire(ops: readonly WriteOp[]): Promise<string[]> {
    const acquired = await Promise.allSettled(
      ops.map((op) => {
        if (op.lease === undefined) return this.#pool.acquire(op.deadlineMs, op.kind, 1);
        this.#pool.hold(op.lease);
        // Counted as attached before the put: if its outcome is never known, the lease is
        // assumed to hold the key, so it is never renewed for a call that does not list it.
        this.#pool.attach(op.lease, op.key);
        return Promise.resolve(op.lease);
      }),
    );
    const failure = acquired.find((result) => result.status === "rejected");
    if (failure === undefined)
      return acquired.map((result) => (result as PromiseFulfilledResult<string>).value);
    for (const result of acquired) if (result.status === "fulfilled") this.#pool.release(result.value);
    throw failure.reason;
  }

  #request(ops: readonly WriteOp[], leases: readonly string[]): { success: IRequestOp[] } {
    const now = deadlineNow();
    const bucketAlive = encodeWithDeadline(new Uint8Array(0), now + 0.5);
    const success = ops.map((op, i): IRequestOp => {
      const put: IRequestOp = {
        request_put: {
          key: op.key,
          ...(op.value === undefined ? { ignore_value: true } : { value: op.value }),
          lease: leases[i]!,
          // Tells which lease the key leaves, so that lease can be released (and revoked).
          prev_kv: true,
        },
      };
      if (op.guard === "none") return put;
      if (op.guard === "absent") return absentGuard(op.key, put, now, bucketAlive);
      return {
        request_txn: {
          compare: [{ key: op.key, target: "Lease", result: "Greater", lease: floorId(now, "exact") }],
          success: [put],
          failure: [
            {
              request_txn: {
                compare: [
                  { key: op.key, target: "Lease", result: "Greater", lease: 0 },
                  { key: op.key, target: "Lease", result: "Less", lease: EXACT_BASE.toString() },
                  { key: op.key, target: "Value", result: "Greater", value: bucketAlive },
                ],
                success: [put],
              },
            },
          ],
        },
      };
    });
    return { success };
  }

  #settle(ops: readonly WriteOp[], leases: readonly string[], response: ITxnResponse): boolean[] {
    return response.responses.map((result, i) => {
      let level = result;
      // Down the nested transactions to the put, if a guard let it run.
      while (level.response_txn) {
        const txn: ITxnResponse = level.response_txn;
        const next = txn.responses[0];
        if (next === undefined) break;
        level = next;
      }
      const key = ops[i]!.key;
      if (level.response_put) {
        this.#pool.release(level.response_put.prev_kv?.lease, 1, key);
        this.#pool.attach(leases[i]!, key);
        return true;
      }
      // A refused claim is the common case of a contended one (N nodes, one winner): revoking
      // its unused lease would make every refused claim a grant, a revoke and the txn.
      this.#pool.release(leases[i], 1, key, ops[i]!.guard !== "absent");
      return false;
    });
  }
}

/**
 * The `alive` guard turned around, so that a claim is one transaction: put when the key does not
 * exist (`create_revision == 0`); else nothing while an exact lease ends after now; else nothing
 * while a bucket lease's value header says the deadline is after now; else the key is expired
 * (a deadline passed before its lease ended, or a value this library did not write) and the put
 * runs. Each level's put sits on the only branch where the level's compares say "not alive".
 */
function absentGuard(key: Buffer, put: IRequestOp, now: number, bucketAlive: Buffer): IRequestOp {
  return {
    request_txn: {
      compare: [{ key, target: "Create", result: "Equal", create_revision: 0 }],
      success: [put],
      failure: [
        {
          request_txn: {
            compare: [{ key, target: "Lease", result: "Greater", lease: floorId(now, "exact") }],
            success: [],
            failure: [
              {
                request_txn: {
                  compare: [
                    { key, target: "Lease", result: "Greater", lease: 0 },
                    { key, target: "Lease", result: "Less", lease: EXACT_BASE.toString() },
                    { key, target: "Value", result: "Greater", value: bucketAlive },
                  ],
                  success: [],
                  failure: [put],
                },
              },
            ],
          },
        },
      ],
    },
  };
}
