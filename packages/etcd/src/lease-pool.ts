import { deadlineNow } from "@sessionkv/core/store-kit";
import type { KVClient, LeaseClient } from "etcd3";
import { type LeaseKind, keptLeaseId, leaseDeadline, leaseIdFor } from "./lease-id.js";

export type CallOptions = NonNullable<Parameters<KVClient["range"]>[1]>;

export interface LeasePoolOptions {
  readonly bucketMs: number;
  /** The server raises shorter TTLs to 1.5 × its election timeout (2 s by default). */
  readonly minLeaseTtlMs: number;
  readonly callOptions: () => CallOptions;
  /** A stored key's name in the kept leases' bookkeeping: the caller's key, as `expire` lists it. */
  readonly nameOf: (key: Buffer) => string;
}

export interface KeptLease {
  readonly id: string;
  readonly keys: ReadonlySet<string>;
  readonly checkedAt: string | undefined;
  /** Counts changes to `keys`: equal counts mean the same set. */
  readonly changes: number;
}

interface Entry {
  readonly id: string;
  readonly slot: string;
  /** Local estimate of when the server drops the lease (for forgetting it, never for reads). */
  endsAtMs: number;
  /** Keys attached to it by this store plus writes in flight that will attach keys. */
  refs: number;
  readonly granted: Promise<void>;
  /**
   * Kept leases only: their TTL, the keys this store attached and has not seen leave, and the
   * cluster revision at which the server was last seen holding exactly those keys (cleared
   * whenever the set changes).
   */
  readonly kept?: {
    readonly ttlMs: number;
    readonly keys: Set<string>;
    checkedAt: string | undefined;
    changes: number;
  };
}

/** Extra lifetime beyond the lease's deadline: absorbs grant latency and clock skew to the server. */
const MARGIN_MS = 1_000;
const SWEEP_EVERY_MS = 1_000;

/**
 * The leases this store granted, shared between keys that expire together and revoked when
 * no key of this store uses them any more.
 *
 * Leases are granted with a TTL and never kept alive in the background (kept leases get one
 * keepalive per `expire` that asks for it, kept-expiry.ts): etcd3's `lease()` helper keeps leases
 * alive forever by default (`autoKeepAlive`), which would make every key immortal; the store
 * talks to the Lease service directly instead, so a lease ends by itself, `MARGIN_MS` after
 * the latest deadline it covers.
 *
 * Reference counting: `acquire` counts every write that will attach a key; after the write the
 * store releases the lease the key was attached to before (`prev_kv.lease`) or, when a guard
 * stopped the write, the lease it had acquired. A lease whose count drops to zero is revoked;
 * keys other writers moved off a lease are not seen, and such a lease simply runs out.
 */
export class LeasePool {
  readonly #client: LeaseClient;
  readonly #options: LeasePoolOptions;
  readonly #bySlot = new Map<string, Entry>();
  readonly #byId = new Map<string, Entry>();
  #nextSweep = 0;
  granted = 0;
  revoked = 0;
  keptAlive = 0;

  constructor(client: LeaseClient, options: LeasePoolOptions) {
    this.#client = client;
    this.#options = options;
  }

  /** Leases this store currently tracks (granted and not yet revoked or run out). */
  get size(): number {
    return this.#byId.size;
  }

  /** Takes `count` references on a lease that outlives `deadlineMs`, granting one if needed. */
  async acquire(deadlineMs: number, kind: LeaseKind, count: number): Promise<string> {
    this.#sweep();
    const endMs = leaseDeadline(deadlineMs, kind, this.#options.bucketMs);
    const slot = `${kind}:${endMs}`;
    if (kind === "bucket") this.#prefetch(endMs);
    return this.#granted(() => this.#bySlot.get(slot) ?? this.#grant(slot, endMs, kind), count);
  }

  /**
   * Grants a kept lease of `ttlMs` (whole seconds), shared by no other call: `expire` attaches
   * keys to it and keeps it alive while exactly those keys are refreshed together.
   */
  async keep(ttlMs: number): Promise<string> {
    return this.#granted(() => this.#grantKept(ttlMs), 0);
  }

  /** Takes one reference on a lease already granted (a kept lease a write attaches a key to). */
  hold(id: string): void {
    const entry = this.#byId.get(id);
    if (entry !== undefined) entry.refs++;
  }

  /** Kept leases of `ttlMs`, with the keys attached to each and the revision they were last checked at. */
  keptLeases(ttlMs: number): KeptLease[] {
    const found: KeptLease[] = [];
    for (const entry of this.#byId.values()) {
      if (entry.kept?.ttlMs === ttlMs)
        found.push({
          id: entry.id,
          keys: entry.kept.keys,
          checkedAt: entry.kept.checkedAt,
          changes: entry.kept.changes,
        });
    }
    return found;
  }

  /** Records that a write attached `key` to lease `id` (only kept leases keep track). */
  attach(id: string, key: Buffer): void {
    const kept = this.#byId.get(id)?.kept;
    if (kept === undefined) return;
    kept.keys.add(this.#options.nameOf(key));
    kept.checkedAt = undefined;
    kept.changes++;
  }

  /** The server held exactly the attached keys of kept lease `id` at cluster revision `revision` (or later). */
  markChecked(id: string, revision: string): void {
    const kept = this.#byId.get(id)?.kept;
    if (kept !== undefined) kept.checkedAt = revision;
  }

  /** The keys the server has on lease `id` (its lessor's memory, no storage read); `null` if it has no such lease. */
  async leaseKeys(id: string): Promise<Buffer[] | null> {
    const response = await this.#client.leaseTimeToLive({ ID: id, keys: true }, this.#options.callOptions());
    return Number(response.TTL) < 0 ? null : response.keys;
  }

  /**
   * One keepalive of a kept lease: `true` if the server renewed it to its full TTL, `false` if
   * it no longer exists (ran out: its keys are gone or going, never to be refreshed).
   */
  async keepAlive(id: string): Promise<boolean> {
    const entry = this.#byId.get(id);
    const stream = await this.#client.leaseKeepAlive(this.#options.callOptions());
    try {
      const response = await new Promise<{ TTL: string }>((resolve, reject) => {
        stream.on("data", resolve);
        stream.on("error", reject);
        stream.write({ ID: id });
      });
      this.keptAlive++;
      if (Number(response.TTL) <= 0) {
        if (entry !== undefined) this.#forget(entry);
        return false;
      }
      if (entry !== undefined) entry.endsAtMs = deadlineNow() + Number(response.TTL) * 1000;
      return true;
    } finally {
      stream.end();
    }
  }

  /**
   * Drops `count` references (`key`: the key that left the lease); a lease nobody of this store
   * uses is revoked in the background, unless `revokeUnused` is false: then it stays to be
   * handed out again until it runs out by itself, like a prefetched one.
   */
  release(id: string | undefined, count = 1, key?: Buffer, revokeUnused = true): void {
    if (id === undefined) return;
    const entry = this.#byId.get(id);
    if (entry === undefined) return;
    if (key !== undefined && entry.kept?.keys.delete(this.#options.nameOf(key))) {
      entry.kept.checkedAt = undefined;
      entry.kept.changes++;
    }
    entry.refs -= count;
    if (entry.refs > 0 || !revokeUnused) return;
    this.#forget(entry);
    this.revoked++;
    // Not awaited: the write that released it is done, and a failed revoke only means the
    // lease runs out by itself a little later.
    this.#client.leaseRevoke({ ID: id }, this.#options.callOptions()).catch(() => undefined);
  }

  /** The server no longer knows `id` (expired, revoked elsewhere): stop handing it out. */
  invalidate(id: string): void {
    const entry = this.#byId.get(id);
    if (entry !== undefined) this.#forget(entry);
  }

  ids(): string[] {
    return [...this.#byId.keys()];
  }

  /** Grants, in the background, the leases of the buckets just ahead (short TTLs right after start). */
  warmUp(now = deadlineNow()): void {
    const end = leaseDeadline(now, "bucket", this.#options.bucketMs);
    if (!this.#bySlot.has(`bucket:${end}`))
      this.#grant(`bucket:${end}`, end, "bucket").granted.catch(() => undefined);
    this.#prefetch(end);
  }

  /**
   * Grants the next bucket's lease ahead of need, off the write path: a steady stream of writes
   * (heartbeats) crosses into a new bucket every `bucketMs`, and its first write would otherwise
   * wait for a grant (a raft round trip) before its own. Unused, it runs out within seconds.
   */
  #prefetch(endMs: number): void {
    const nextEnd = endMs + this.#options.bucketMs;
    const slot = `bucket:${nextEnd}`;
    if (this.#bySlot.has(slot)) return;
    this.#grant(slot, nextEnd, "bucket").granted.catch(() => undefined);
  }

  async #granted(entryFor: () => Entry, count: number): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      const entry = entryFor();
      entry.refs += count;
      try {
        await entry.granted;
        return entry.id;
      } catch (error) {
        entry.refs -= count;
        // Another client picked the same ID (same deadline, same 20 random bits): pick again.
        if (attempt < 3 && error instanceof Error && error.message.includes("lease already exists")) continue;
        throw error;
      }
    }
  }

  #grant(slot: string, endMs: number, kind: LeaseKind): Entry {
    const ttlSeconds = Math.ceil(
      Math.max(this.#options.minLeaseTtlMs, endMs + MARGIN_MS - deadlineNow()) / 1000,
    );
    return this.#track(slot, leaseIdFor(endMs, kind), ttlSeconds);
  }

  #grantKept(ttlMs: number): Entry {
    const id = keptLeaseId();
    return this.#track(`kept:${id}`, id, ttlMs / 1000, {
      ttlMs,
      keys: new Set(),
      checkedAt: undefined,
      changes: 0,
    });
  }

  #track(slot: string, id: string, ttlSeconds: number, kept?: Entry["kept"]): Entry {
    const entry: Entry = {
      id,
      slot,
      endsAtMs: deadlineNow() + ttlSeconds * 1000,
      refs: 0,
      ...(kept === undefined ? {} : { kept }),
      granted: this.#client.leaseGrant({ ID: id, TTL: ttlSeconds }, this.#options.callOptions()).then(
        () => {
          this.granted++;
        },
        (error: unknown) => {
          this.#forget(entry);
          throw error;
        },
      ),
    };
    this.#bySlot.set(slot, entry);
    this.#byId.set(id, entry);
    return entry;
  }

  #forget(entry: Entry): void {
    if (this.#bySlot.get(entry.slot) === entry) this.#bySlot.delete(entry.slot);
    if (this.#byId.get(entry.id) === entry) this.#byId.delete(entry.id);
  }

  /** Forgets leases the server has dropped by now, so the pool stays as small as the live set. */
  #sweep(): void {
    const now = deadlineNow();
    if (now < this.#nextSweep) return;
    this.#nextSweep = now + SWEEP_EVERY_MS;
    for (const entry of this.#byId.values()) {
      if (entry.endsAtMs <= now) this.#forget(entry);
    }
  }
}
