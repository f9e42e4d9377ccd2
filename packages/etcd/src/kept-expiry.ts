import { deadlineNow } from "@sessionkv/core/store-kit";
import type { Keyspace } from "./keyspace.js";
import type { KeptLease, LeasePool } from "./lease-pool.js";
import type { Reader } from "./reader.js";
import type { Writer } from "./writer.js";

/**
 * `expire` on kept leases (the `heartbeatLeases` option): the keys refreshed together share a
 * lease whose TTL is the requested one, and the next `expire` of the same keys with the same
 * TTL is a keepalive of that lease, which writes nothing (no revision, no fsync).
 *
 * A kept lease is a candidate for renewal only when every key this store attached to it is
 * listed in the call (`attach` counts a key before its put, so an unknown outcome counts too):
 * no unlisted key is ever refreshed. Only this store puts keys on its kept leases, so the keys
 * the server has on a candidate are a subset of the attached ones. Alongside the keepalive, the
 * call reads the cluster's revision (O(1)); if it has not moved since the server was last seen
 * holding every attached key, nothing was written or deleted anywhere since, and the keepalive
 * is all. Otherwise it asks the server for the lease's keys (LeaseTimeToLive, from the lessor's
 * memory, an answer as long as the keys). Attached keys no longer there were written or deleted
 * since, by anyone; listed keys never attached may exist.
 * Only those suspects have their leases read (keys only): one on another lease is a straggler, moved onto
 * the renewed lease by the usual guarded `ignore_value` put, so it gets the new TTL, keeps its
 * value, and is never brought back if it is missing or expired. Keys on a lease the server no
 * longer renews are expired and left alone.
 */
export class KeptExpiry {
  readonly #pool: LeasePool;
  readonly #reader: Reader;
  readonly #writer: Writer;
  readonly #keyspace: Keyspace;
  readonly #minLeaseTtlMs: number;

  constructor(keyspace: Keyspace, pool: LeasePool, reader: Reader, writer: Writer, minLeaseTtlMs: number) {
    this.#keyspace = keyspace;
    this.#pool = pool;
    this.#reader = reader;
    this.#writer = writer;
    this.#minLeaseTtlMs = minLeaseTtlMs;
  }

  /** A lease's TTL is whole seconds and the server raises short ones: other TTLs stay exact leases. */
  applies(ttlMs: number): boolean {
    return ttlMs % 1000 === 0 && ttlMs >= this.#minLeaseTtlMs;
  }

  /** `match` is the prepared key set's own record of its lease (`undefined` for a plain array). */
  async expire(keys: readonly string[], ttlMs: number, match?: LeaseMatch): Promise<void> {
    const kept = this.#pool.keptLeases(ttlMs);
    // The steady heartbeat: one lease holding exactly the listed keys (unique: the base store
    // removes repeats), found in one pass over them. Any other call compares every lease of this
    // TTL with the listed keys.
    const whole = this.#whole(kept, keys, match);
    const { candidates, unattached } =
      whole === undefined ? covering(kept, keys) : { candidates: [whole], unattached: [] };
    // No lease to renew: the first refresh of these keys; its lease is granted meanwhile.
    const fresh = candidates.length === 0 ? this.#pool.keep(ttlMs) : undefined;
    fresh?.catch(() => undefined);
    // Read alongside the keepalives, before any lease's keys are listed: if the cluster is still at
    // a revision where a lease was seen holding exactly its attached keys, nothing was written or
    // deleted anywhere since, so none left it, and the keepalive alone is the whole heartbeat.
    const revision = candidates.length > 0 ? this.#reader.revision(this.#keyspace.encode("")) : undefined;
    revision?.catch(() => undefined);
    const checked = await Promise.all(candidates.map((lease) => this.#check(lease, revision!)));
    const suspectIds = [...checked.flatMap((lease) => (lease.renewed ? lease.left : [])), ...unattached];
    if (suspectIds.length === 0) return;
    const suspects = suspectIds.map((key) => this.#keyspace.encode(key));
    const kvs = await this.#reader.metadata(suspects);
    const held = new Set(candidates.map((lease) => lease.id));
    const leftFrom = new Map(checked.flatMap((lease) => lease.left.map((id) => [id, lease.id] as const)));
    const stragglers = suspects.filter((_, i) => kvs[i] !== undefined && !held.has(kvs[i]!.lease));
    const target = await this.#target(checked, fresh, stragglers.length > 0, ttlMs);
    try {
      // An attached key found gone or on another lease has left its kept lease: its reference
      // goes (the target's own reference keeps it from being revoked under the moves below).
      suspects.forEach((key, i) => {
        const from = leftFrom.get(suspectIds[i]!);
        if (from !== undefined && kvs[i]?.lease !== from) this.#pool.release(from, 1, key);
      });
      if (target === undefined) return;
      const deadlineMs = deadlineNow() + ttlMs;
      await this.#writer.write(
        stragglers.map((key) => ({
          key,
          value: undefined,
          deadlineMs,
          kind: "exact",
          guard: "alive",
          lease: target,
        })),
      );
    } finally {
      if (target !== undefined) this.#pool.release(target);
    }
  }

  /**
   * The kept lease holding exactly `keys`, if any. A prepared key set (the registry hands the
   * same one to every heartbeat) matched before is not compared again while that lease's keys
   * are unchanged: at 10,000 keys the comparison costs half a keepalive.
   */
  #whole(kept: readonly KeptLease[], keys: readonly string[], match?: LeaseMatch): KeptLease | undefined {
    const known = match?.lease;
    const again = known && kept.find((lease) => lease.id === known.id && lease.changes === known.changes);
    if (again !== undefined) return again;
    const whole = kept.find(
      (lease) => lease.keys.size === keys.length && keys.every((key) => lease.keys.has(key)),
    );
    if (whole !== undefined && match !== undefined) match.lease = { id: whole.id, changes: whole.changes };
    return whole;
  }

  /**
   * One keepalive of `lease` and which attached keys left it. The keys the server holds are
   * listed (an answer that grows with them) only when the cluster's revision moved since they
   * were last found complete; a complete answer marks the revision read before it.
   */
  async #check(lease: KeptLease, revision: Promise<string>): Promise<CheckedLease> {
    const [renewed, now] = await Promise.all([this.#pool.keepAlive(lease.id), revision]);
    if (!renewed) return { id: lease.id, renewed: false, left: [] };
    if (lease.checkedAt === now) return { id: lease.id, renewed: true, left: [] };
    const onServer = await this.#pool.leaseKeys(lease.id);
    if (onServer === null) return { id: lease.id, renewed: false, left: [] };
    const gone = left(lease.keys, onServer, this.#keyspace);
    if (gone.length === 0) this.#pool.markChecked(lease.id, now);
    return { id: lease.id, renewed: true, left: gone };
  }

  /**
   * A renewed kept lease, or a new one, with one reference held by the caller; `undefined` when
   * nothing needs one (a lease granted ahead for nothing is revoked).
   */
  async #target(
    checked: readonly { id: string; renewed: boolean }[],
    fresh: Promise<string> | undefined,
    needed: boolean,
    ttlMs: number,
  ): Promise<string | undefined> {
    if (!needed) {
      if (fresh !== undefined) this.#pool.release(await fresh.catch(() => undefined));
      return undefined;
    }
    const id = checked.find((lease) => lease.renewed)?.id ?? (await (fresh ?? this.#pool.keep(ttlMs)));
    this.#pool.hold(id);
    return id;
  }
}

/** Which kept lease a prepared key set was last found on, exactly, and that lease's change count then. */
export interface LeaseMatch {
  lease: { readonly id: string; readonly changes: number } | undefined;
}

/**
 * The kept leases whose attached keys are all listed (only those may be renewed), and the listed
 * keys attached to none of them.
 */
function covering(kept: readonly KeptLease[], keys: readonly string[]) {
  const listed = new Set(keys);
  const candidates = kept.filter(
    (lease) =>
      lease.keys.size > 0 && lease.keys.size <= listed.size && [...lease.keys].every((id) => listed.has(id)),
  );
  const unattached = keys.filter((key) => !candidates.some((lease) => lease.keys.has(key)));
  return { candidates, unattached };
}

interface CheckedLease {
  readonly id: string;
  /** Renewed to its full TTL: its keys were refreshed. */
  readonly renewed: boolean;
  /** Attached keys no longer on it (written or deleted since, by anyone). */
  readonly left: readonly string[];
}

/** Attached keys the server no longer has on the lease (it holds a subset of them: equal sizes, none). */
function left(attached: ReadonlySet<string>, onServer: readonly Buffer[], keyspace: Keyspace): string[] {
  if (onServer.length === attached.size) return [];
  const there = new Set(onServer.map((key) => keyspace.name(key)));
  return [...attached].filter((id) => !there.has(id));
}
