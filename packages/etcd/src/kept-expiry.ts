import type { LeasePool } from "./lease-pool.js";
import type { Reader } from "./reader.js";
import type { Writer } from "./writer.js";

/**
 * `expire` on kept leases (the `heartbeatLeases` option): the keys refreshed together share a
 * lease whose TTL is the requested one, and the next `expire` of the same keys with the same
 * TTL is a keepalive of that lease, which writes nothing (no revision, no fsync).
 *
 * A kept lease is renewed only when every key this store attached to it is listed in the call
 * (`attach` counts a key before its put, so an unknown outcome counts too), so no unlisted key
 * is refreshed. Concurrently, compares confirm that every listed key is still on the lease it
 * was attached to, or still missing (read-only transactions, nothing read back). Where they
 * fail, the keys' leases are read (keys only): a listed key on another lease (written since by
 * anyone, or never attached) is a straggler, moved onto the renewed lease by the usual guarded
 * `ignore_value` put, so it gets the new TTL, keeps its value and is never brought back if it is
 * missing or expired. Keys on a lease the server no longer renews are expired: left alone.
 */
export class KeptExpiry {
  readonly #pool: LeasePool;
  readonly #reader: Reader;
  readonly #writer: Writer;
  readonly #minLeaseTtlMs: number;

  constructor(pool: LeasePool, reader: Reader, writer: Writer, minLeaseTtlMs: number) {
    this.#pool = pool;
    this.#reader = reader;
    this.#writer = writer;
    this.#minLeaseTtlMs = minLeaseTtlMs;
  }

  /** A lease's TTL is whole seconds and the server raises short ones: other TTLs stay exact leases. */
  applies(ttlMs: number): boolean {
    return ttlMs % 1000 === 0 && ttlMs >= this.#minLeaseTtlMs;
  }

  async expire(keys: readonly Buffer[], ttlMs: number): Promise<void> {
    const listed = new Set(keys.map((key) => key.toString("binary")));
    const leaseOf = new Map<string, string>();
    const candidates: string[] = [];
    for (const lease of this.#pool.keptLeases(ttlMs)) {
      if (lease.keys.size === 0 || ![...lease.keys].every((key) => listed.has(key))) continue;
      candidates.push(lease.id);
      for (const key of lease.keys) leaseOf.set(key, lease.id);
    }
    const expected = keys.map((key) => leaseOf.get(key.toString("binary")));
    const [unconfirmed, renewed] = await Promise.all([
      this.#reader.unconfirmed(keys, expected),
      Promise.all(candidates.map((id) => this.#pool.keepAlive(id))),
    ]);
    if (unconfirmed.length === 0) return;
    const kvs = await this.#reader.metadata(unconfirmed);
    const held = new Set(candidates);
    const stragglers = unconfirmed.filter((_, i) => {
      const kv = kvs[i];
      return kv !== undefined && !held.has(kv.lease);
    });
    if (stragglers.length === 0) return;
    const lease = candidates.find((_, i) => renewed[i]) ?? (await this.#pool.keep(ttlMs));
    const deadlineMs = Date.now() + ttlMs;
    await this.#writer.write(
      stragglers.map((key) => ({ key, value: undefined, deadlineMs, kind: "exact", guard: "alive", lease })),
    );
  }
}
