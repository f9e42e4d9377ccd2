import type { StoreNotifications } from "./notifications/contract.js";
import type { PreparedKeys } from "./prepared-keys.js";

/** What a backend can honour; conformance tolerances and the registry derive from it. */
export interface StoreCapabilities {
  /** 1 where the backend keeps milliseconds, 1000 where whole seconds. TTLs are rounded up to it. */
  readonly ttlResolutionMs: number;
  /** Shortest TTL the backend honours exactly; shorter TTLs live this long (etcd's lease minimum). */
  readonly minTtlMs: number;
  /** How long after its deadline a record may still be visible (clock granularity, reaper lag). */
  readonly expiryLagMs: number;
  /** Largest value, in bytes, that `set` accepts. */
  readonly maxValueBytes: number;
  /** Longest key, in UTF-8 bytes, that `set` accepts. */
  readonly maxKeyBytes: number;
  /**
   * How `keys(prefix)` lists a prefix that contains a partition (core README, "Partitions"):
   * `"indexed"` reads that partition only, at a cost that grows with the partition, not with the
   * namespace; `"scan"` may read every key of the namespace (or of the whole server) to find them.
   */
  readonly partitionListing: PartitionListing;
}

export type PartitionListing = "indexed" | "scan";

export interface SetOptions {
  /** Write only when the key exists and has not expired; otherwise do nothing, silently. */
  readonly onlyIfExists?: boolean;
}

export interface MsetEntry {
  readonly key: string;
  readonly value: Uint8Array;
  readonly ttlMs: number;
}

/**
 * A generic TTL key-value store over bytes. It knows nothing about sessions: the registry owns
 * the key scheme and the serialization. See the core README for the full contract.
 */
export interface SessionKVStore extends AsyncDisposable {
  readonly capabilities: StoreCapabilities;
  /** Present on stores whose server can push (core README, "Notifications"); undefined otherwise. */
  readonly notifications?: StoreNotifications | undefined;
  start(): Promise<void>;
  close(): Promise<void>;
  set(key: string, value: Uint8Array, ttlMs: number, options?: SetOptions): Promise<void>;
  /**
   * Writes only when the key is missing or expired, atomically on the server; `true` when this
   * call created the key. A live key is never overwritten and keeps its TTL.
   */
  setIfAbsent(key: string, value: Uint8Array, ttlMs: number): Promise<boolean>;
  /** Deletes only when the live value equals `value` byte for byte, atomically; `true` when it deleted. */
  deleteIfEquals(key: string, value: Uint8Array): Promise<boolean>;
  mset(entries: readonly MsetEntry[]): Promise<void>;
  get(key: string): Promise<Uint8Array | null>;
  mget(keys: readonly string[] | PreparedKeys): Promise<(Uint8Array | null)[]>;
  expire(keys: readonly string[] | PreparedKeys, ttlMs: number): Promise<void>;
  keys(prefix: string): Promise<string[]>;
  delete(keys: readonly string[] | PreparedKeys): Promise<void>;

  // Prepared key sets (core README, "Prepared key sets").
  /**
   * `keys` validated, de-duplicated and encoded once, for `mget`, `expire` and `delete` of the same
   * keys again and again (a heartbeat). Does no I/O. The handle works with this store only.
   */
  prepare(keys: readonly string[]): PreparedKeys;
}
