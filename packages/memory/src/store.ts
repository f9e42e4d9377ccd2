import type { MsetEntry, StoreCapabilities } from "@sessionkv/core";
import {
  BaseSessionKVStore,
  NotificationHub,
  type StoreTarget,
  equalBytes,
  inProcessTransport,
} from "@sessionkv/core/store-kit";
import { ExpiryHeap } from "./expiry-heap.js";
import { type InMemorySessionKVStoreOptions, resolveOptions } from "./options.js";
import { SortedKeys } from "./sorted-keys.js";

interface Entry {
  value: Uint8Array;
  /** Deadline on the monotonic clock: wall-clock jumps (NTP, DST) never expire or revive records. */
  deadline: number;
  /** The heap entry that currently speaks for this record; always <= deadline. */
  scheduled: number;
}

const now = (): number => performance.now();

/**
 * A single-process store. Expiry is lazy (every read checks the deadline) and periodic (a
 * sweep pops expired records from a deadline heap), so memory is reclaimed even for keys
 * nobody reads again. Heartbeats only ever extend deadlines, so an extension costs no heap
 * work: the sweep finds the record still alive and re-queues it. Values are copied in and out.
 */
export class InMemorySessionKVStore extends BaseSessionKVStore {
  readonly capabilities: StoreCapabilities;
  /** In-process delivery to the subscribers of this store (README, "Notifications"), unless turned off. */
  readonly notifications: NotificationHub | undefined;
  // Every read copies per position, and expire/delete are idempotent per key.
  protected override readonly acceptsRepeatedKeys = true;
  protected override readonly cannotHang = true;
  readonly #cleanupIntervalMs: number;
  readonly #records = new Map<string, Entry>();
  readonly #index = new SortedKeys();
  readonly #heap = new ExpiryHeap();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: InMemorySessionKVStoreOptions = {}) {
    super();
    const { cleanupIntervalMs, maxValueBytes, maxKeyBytes, notifications } = resolveOptions(options);
    this.#cleanupIntervalMs = cleanupIntervalMs;
    this.capabilities = Object.freeze({
      ttlResolutionMs: 1,
      minTtlMs: 1,
      expiryLagMs: 0,
      maxValueBytes,
      maxKeyBytes,
      // The sorted key index finds any prefix's keys without reading the others.
      partitionListing: "indexed",
    });
    this.notifications = notifications
      ? new NotificationHub({
          namespace: "",
          operationTimeoutMs: this.operationTimeoutMs,
          classifyError: (error, operation) => this.classifyError(error, operation),
          transport: inProcessTransport,
        })
      : undefined;
  }

  /** Number of records held, expired-but-unswept ones included (for tests and metrics). */
  get size(): number {
    return this.#records.size;
  }

  /** Deadlines queued for the sweep, stale ones included (bounded by compaction; for tests and metrics). */
  get pendingDeadlines(): number {
    return this.#heap.size;
  }

  /** Drops every expired record now; returns how many. The timer calls this periodically. */
  sweep(): number {
    const t = now();
    let dropped = 0;
    for (let top = this.#heap.peek(); top !== undefined && top.deadline <= t; top = this.#heap.peek()) {
      this.#heap.pop();
      const entry = this.#records.get(top.key);
      if (entry === undefined || entry.scheduled !== top.deadline) continue; // stale
      if (entry.deadline <= t) {
        this.#remove(top.key);
        dropped += 1;
      } else {
        // Extended since it was scheduled: refreshes never touch the heap, the sweep re-queues.
        entry.scheduled = entry.deadline;
        this.#heap.push({ key: top.key, deadline: entry.deadline });
      }
    }
    return dropped;
  }

  protected override diagnosticsTarget(): StoreTarget {
    return { backend: "memory" };
  }

  protected async doStart(): Promise<void> {
    this.#timer = setInterval(() => this.sweep(), this.#cleanupIntervalMs);
    // The sweep is housekeeping: it must never keep a process alive on its own.
    this.#timer.unref();
    await this.notifications?.start();
  }

  protected async doClose(): Promise<void> {
    await this.notifications?.stop();
    clearInterval(this.#timer);
    this.#records.clear();
    this.#index.clear();
    this.#heap.rebuild(() => false);
  }

  protected async doSet(key: string, value: Uint8Array, ttlMs: number, onlyIfExists: boolean): Promise<void> {
    if (onlyIfExists && this.#live(key) === undefined) return;
    this.#write(key, value, ttlMs);
  }

  // Check and write run in one synchronous step of the event loop: nothing interleaves, so the
  // claim is atomic without any lock.
  protected async doSetIfAbsent(key: string, value: Uint8Array, ttlMs: number): Promise<boolean> {
    if (this.#live(key) !== undefined) return false;
    this.#write(key, value, ttlMs);
    return true;
  }

  protected async doDeleteIfEquals(key: string, value: Uint8Array): Promise<boolean> {
    const entry = this.#live(key);
    if (entry === undefined || !equalBytes(entry.value, value)) return false;
    this.#remove(key);
    return true;
  }

  protected async doMset(entries: readonly MsetEntry[]): Promise<void> {
    for (const { key, value, ttlMs } of entries) this.#write(key, value, ttlMs);
  }

  protected async doGet(key: string): Promise<Uint8Array | null> {
    return this.#live(key)?.value.slice() ?? null;
  }

  protected async doMget(keys: readonly string[]): Promise<(Uint8Array | null)[]> {
    const t = now();
    return keys.map((key) => this.#live(key, t)?.value.slice() ?? null);
  }

  protected async doExpire(keys: readonly string[], ttlMs: number): Promise<void> {
    const t = now();
    for (const key of keys) {
      const entry = this.#live(key, t);
      if (entry === undefined) continue;
      entry.deadline = t + ttlMs;
      this.#schedule(key, entry);
    }
  }

  protected async doKeys(prefix: string): Promise<string[]> {
    const t = now();
    const out: string[] = [];
    for (const key of this.#index.withPrefix(prefix)) {
      if (this.#records.get(key)!.deadline > t) out.push(key);
    }
    return out;
  }

  protected async doDelete(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.#remove(key);
  }

  #write(key: string, value: Uint8Array, ttlMs: number): void {
    const deadline = now() + ttlMs;
    let entry = this.#records.get(key);
    if (entry === undefined) {
      entry = { value: value.slice(), deadline, scheduled: Number.POSITIVE_INFINITY };
      this.#records.set(key, entry);
      this.#index.add(key);
    } else {
      entry.value = value.slice();
      entry.deadline = deadline;
    }
    this.#schedule(key, entry);
  }

  /** Queues the record for the sweep only when its deadline moved earlier than what is queued. */
  #schedule(key: string, entry: Entry): void {
    if (entry.deadline >= entry.scheduled) return;
    entry.scheduled = entry.deadline;
    this.#heap.push({ key, deadline: entry.deadline });
    // Shortened TTLs leave stale heap entries behind; compact before they dominate memory.
    if (this.#heap.size > 2 * this.#records.size + 1024) {
      this.#heap.rebuild((e) => this.#records.get(e.key)?.scheduled === e.deadline);
    }
  }

  #live(key: string, t = now()): Entry | undefined {
    const entry = this.#records.get(key);
    if (entry === undefined) return undefined;
    if (entry.deadline > t) return entry;
    this.#remove(key);
    return undefined;
  }

  #remove(key: string): void {
    if (this.#records.delete(key)) this.#index.delete(key);
  }
}
