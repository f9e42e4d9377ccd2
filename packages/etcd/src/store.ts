import type { MsetEntry, SessionKVError, StoreCapabilities } from "@sessionkv/core";
import {
  BaseSessionKVStore,
  NotificationHub,
  type StoreTarget,
  deadlineFor,
  deadlineNow,
  encodeWithDeadline,
} from "@sessionkv/core/store-kit";
import type { Etcd3 } from "etcd3";
import { deleteIfEquals } from "./claims.js";
import { openClient } from "./client.js";
import { classifyEtcdError } from "./errors.js";
import { KeptExpiry, type LeaseMatch } from "./kept-expiry.js";
import { Keyspace } from "./keyspace.js";
import { type CallOptions, LeasePool } from "./lease-pool.js";
import { Lister } from "./lister.js";
import { etcdTransport } from "./notifications.js";
import { type EtcdSessionKVStoreOptions, resolveOptions } from "./options.js";
import { Reader } from "./reader.js";
import { liveValue } from "./record.js";
import { type WriteOp, Writer } from "./writer.js";

/** Values up to 1 MiB: with the key and framing a put stays under etcd's default 1.5 MiB request limit. */
const MAX_VALUE_BYTES = 1024 * 1024;
const MAX_KEY_BYTES = 1024;

export interface LeaseStats {
  /** Leases this store tracks: granted, not yet revoked or run out. */
  readonly tracked: number;
  readonly granted: number;
  readonly revoked: number;
  /** Keepalives sent for kept leases (`heartbeatLeases`). */
  readonly keptAlive: number;
}

/**
 * With `heartbeatLeases`, a key refreshed by a keepalive lives as long as the server's lease:
 * its lessor looks for expired leases every 500 ms and then commits their revocation, so such a
 * key may stay visible that long past its deadline (longer across a leader change; README).
 */
const KEPT_LEASE_EXPIRY_LAG_MS = 2_000;

/** What a prepared key set carries (core README, "Prepared key sets"). */
interface EtcdPreparedKeys extends LeaseMatch {
  /** The keys as etcd stores them (`keyPrefix` + key, UTF-8). */
  readonly encoded: readonly Buffer[];
}

/**
 * SessionKVStore on etcd v3 (etcd3). Expiry is exact to the millisecond: every read filters on
 * the deadline kept with the key (in the value, or in the ID of an exact lease), and leases —
 * shared by keys that expire together, never kept alive — only collect the garbage.
 */
export class EtcdSessionKVStore extends BaseSessionKVStore<EtcdPreparedKeys> {
  /**
   * Watches of `{keyPrefix}\xffnotify/{channel}` keys (README, "Notifications"); undefined with
   * `notifications: false`.
   */
  readonly notifications: NotificationHub | undefined;
  // Reads enforce every deadline to the millisecond, whatever the TTL. minTtlMs is 1 s all the
  // same: each write is a raft commit (an fsync) and expire adds a lease grant, so on a loaded
  // cluster a sub-second TTL can run out while the calls that set and refresh it are in flight.
  // The store does not advertise exactness it cannot deliver end to end (README, Capabilities).
  readonly capabilities: StoreCapabilities;

  readonly #client: Etcd3;
  readonly #ownsClient: boolean;
  readonly #password: string | undefined;
  readonly #keyspace: Keyspace;
  readonly #keyPrefix: string;
  readonly #pool: LeasePool;
  readonly #writer: Writer;
  readonly #reader: Reader;
  readonly #lister: Lister;
  readonly #kept: KeptExpiry | undefined;
  readonly #callOptions: () => CallOptions;

  constructor(options: EtcdSessionKVStoreOptions) {
    super(options ?? {});
    const settings = resolveOptions(options);
    this.capabilities = {
      ttlResolutionMs: 1,
      minTtlMs: 1_000,
      expiryLagMs: settings.heartbeatLeases ? KEPT_LEASE_EXPIRY_LAG_MS : 0,
      maxValueBytes: MAX_VALUE_BYTES,
      maxKeyBytes: MAX_KEY_BYTES,
      // A prefix is a key range of etcd's ordered keyspace: only the keys inside it are read.
      partitionListing: "indexed",
    };
    const timeoutMs = this.operationTimeoutMs;
    const callOptions = (): CallOptions => ({ deadline: Date.now() + timeoutMs });
    this.#callOptions = callOptions;
    this.#password = options.auth?.password;
    const { client, owned } = openClient(options, timeoutMs);
    this.#client = client;
    this.#ownsClient = owned;
    this.#keyspace = new Keyspace(settings.keyPrefix);
    this.#keyPrefix = settings.keyPrefix;
    const keyspace = this.#keyspace;
    this.#pool = new LeasePool(this.#client.leaseClient, {
      bucketMs: settings.leaseBucketMs,
      minLeaseTtlMs: settings.minLeaseTtlMs,
      callOptions,
      nameOf: (key) => keyspace.name(key),
    });
    const limits = {
      maxTxnOps: settings.maxTxnOps,
      maxRequestBytes: settings.maxRequestBytes,
      bucketMs: settings.leaseBucketMs,
    };
    this.#writer = new Writer(this.#client.kv, this.#pool, limits, callOptions);
    this.#reader = new Reader(this.#client.kv, settings.maxTxnOps, callOptions);
    this.#lister = new Lister(
      this.#client.kv,
      this.#reader,
      this.#keyspace,
      { pageSize: settings.pageSize, bucketMs: settings.leaseBucketMs },
      callOptions,
    );
    this.notifications = settings.notifications
      ? new NotificationHub({
          namespace: "",
          operationTimeoutMs: timeoutMs,
          classifyError: (error, operation) => this.classifyError(error, operation),
          secrets: () => this.secrets(),
          transport: etcdTransport(client, settings.keyPrefix, callOptions),
        })
      : undefined;
    this.#kept = settings.heartbeatLeases
      ? new KeptExpiry(this.#keyspace, this.#pool, this.#reader, this.#writer, settings.minLeaseTtlMs)
      : undefined;
  }

  /** Lease bookkeeping of this store (the benchmark and operators watch it). */
  get leaseStats(): LeaseStats {
    const pool = this.#pool;
    return { tracked: pool.size, granted: pool.granted, revoked: pool.revoked, keptAlive: pool.keptAlive };
  }

  protected async doStart(): Promise<void> {
    // One round trip proves the endpoint, the credentials and read access to the namespace.
    const { start, end } = this.#keyspace.range("");
    await this.#client.kv.range(
      { key: start, range_end: end, keys_only: true, limit: 1 },
      this.#callOptions(),
    );
    this.#pool.warmUp();
    await this.notifications?.start();
  }

  protected async doClose(): Promise<void> {
    await this.notifications?.stop();
    // Leases are left to run out: revoking them would delete keys before their TTL.
    if (this.#ownsClient) this.#client.close();
  }

  protected async doSet(key: string, value: Uint8Array, ttlMs: number, onlyIfExists: boolean): Promise<void> {
    await this.#writer.write([this.#setOp({ key, value, ttlMs }, deadlineNow(), onlyIfExists)]);
  }

  protected async doSetIfAbsent(key: string, value: Uint8Array, ttlMs: number): Promise<boolean> {
    const op = this.#setOp({ key, value, ttlMs }, deadlineNow(), false);
    return this.#writer.writeOne({ ...op, guard: "absent" });
  }

  protected async doDeleteIfEquals(key: string, value: Uint8Array): Promise<boolean> {
    const encoded = this.#keyspace.encode(key);
    return deleteIfEquals(this.#client.kv, this.#reader, this.#pool, this.#callOptions, encoded, value);
  }

  protected async doMset(entries: readonly MsetEntry[]): Promise<void> {
    const now = deadlineNow();
    await this.#writer.write(entries.map((entry) => this.#setOp(entry, now, false)));
  }

  // Reads judge expiry at the moment they were called: a record alive then is returned even if
  // its deadline passes while the answer travels (as with a server-side TTL).
  protected async doGet(key: string): Promise<Uint8Array | null> {
    const now = deadlineNow();
    return liveValue(await this.#reader.get(this.#keyspace.encode(key)), now);
  }

  // A heartbeat sends the same keys every cycle: encoded once, and the kept lease they were
  // last found on remembered with them.
  protected override doPrepare(keys: readonly string[]): EtcdPreparedKeys {
    return { encoded: this.#encoded(keys), lease: undefined };
  }

  #encoded(keys: readonly string[]): Buffer[] {
    return keys.map((key) => this.#keyspace.encode(key));
  }

  protected async doMget(
    keys: readonly string[],
    prepared?: EtcdPreparedKeys,
  ): Promise<(Uint8Array | null)[]> {
    const now = deadlineNow();
    const kvs = await this.#reader.getMany(prepared?.encoded ?? this.#encoded(keys));
    return kvs.map((kv) => liveValue(kv, now));
  }

  protected async doExpire(
    keys: readonly string[],
    ttlMs: number,
    prepared?: EtcdPreparedKeys,
  ): Promise<void> {
    if (this.#kept?.applies(ttlMs)) {
      await this.#kept.expire(keys, ttlMs, prepared);
      return;
    }
    const deadlineMs = wholeMs(deadlineFor(ttlMs));
    const encoded = prepared?.encoded ?? this.#encoded(keys);
    await this.#writer.write(
      encoded.map(
        (key): WriteOp => ({
          key,
          value: undefined,
          deadlineMs,
          kind: "exact",
          guard: "alive",
        }),
      ),
    );
  }

  protected async doKeys(prefix: string): Promise<string[]> {
    return this.#lister.keys(prefix);
  }

  protected async doDelete(keys: readonly string[], prepared?: EtcdPreparedKeys): Promise<void> {
    await this.#writer.delete(prepared?.encoded ?? this.#encoded(keys));
  }

  protected override classifyError(error: unknown, operation: string): SessionKVError {
    return classifyEtcdError(error, operation);
  }

  protected override diagnosticsTarget(): StoreTarget {
    return { backend: "etcd", namespace: this.#keyPrefix };
  }

  protected override secrets(): readonly string[] {
    return this.#password === undefined || this.#password === "" ? [] : [this.#password];
  }

  #setOp(entry: MsetEntry, now: number, onlyIfExists: boolean): WriteOp {
    const deadlineMs = wholeMs(deadlineFor(entry.ttlMs, now));
    return {
      key: this.#keyspace.encode(entry.key),
      value: encodeWithDeadline(entry.value, deadlineMs),
      deadlineMs,
      kind: "bucket",
      guard: onlyIfExists ? "alive" : "none",
    };
  }
}

/** Deadlines in whole ms, rounded up (never early): the transaction guards rely on it (writer.ts). */
function wholeMs(deadlineMs: number): number {
  return Math.ceil(deadlineMs);
}
