import type { StoreNotifications } from "./notifications/contract.js";

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
}

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
  mset(entries: readonly MsetEntry[]): Promise<void>;
  get(key: string): Promise<Uint8Array | null>;
  mget(keys: readonly string[]): Promise<(Uint8Array | null)[]>;
  expire(keys: readonly string[], ttlMs: number): Promise<void>;
  keys(prefix: string): Promise<string[]>;
  delete(keys: readonly string[]): Promise<void>;
}
