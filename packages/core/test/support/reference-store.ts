import type { MsetEntry, StoreCapabilities } from "../../src/index.js";
import { BaseSessionKVStore, equalBytes } from "../../src/store-kit.js";

/**
 * The smallest store that keeps the whole contract (the base class does validation and
 * lifecycle): one Map, a deadline per record, expiry checked on every read. Core's registry and
 * host tests run on it, so they need no backend package (backends depend on core, never the
 * reverse); conformance's own tests import this file by relative path for the same reason, and
 * `conformance/test/reference-store.test.ts` proves it passes the suite.
 *
 * It is built on core's source, not its `dist`: under conformance's tests it is a second copy of
 * core, which the suite meets as it meets any third-party store, through error `code`s only.
 */
export class ReferenceStore extends BaseSessionKVStore {
  readonly capabilities: StoreCapabilities = Object.freeze({
    ttlResolutionMs: 1,
    minTtlMs: 1,
    expiryLagMs: 0,
    maxValueBytes: 1024 * 1024,
    maxKeyBytes: 1024,
    // keys() filters every record of the Map.
    partitionListing: "scan",
  });
  // Deadlines on the monotonic clock: a wall-clock jump must neither expire nor revive a record.
  readonly #records = new Map<string, { value: Uint8Array; deadline: number }>();

  // In-process calls cannot hang: no per-operation timeout race.
  protected override readonly cannotHang = true;

  protected async doStart(): Promise<void> {}

  protected async doClose(): Promise<void> {
    this.#records.clear();
  }

  protected async doSet(key: string, value: Uint8Array, ttlMs: number, onlyIfExists: boolean): Promise<void> {
    if (onlyIfExists && this.#live(key) === undefined) return;
    this.#records.set(key, { value: value.slice(), deadline: performance.now() + ttlMs });
  }

  // One synchronous step between awaits: nothing else runs in between, so the check and the
  // write are one atomic step, as the contract asks.
  protected async doSetIfAbsent(key: string, value: Uint8Array, ttlMs: number): Promise<boolean> {
    if (this.#live(key) !== undefined) return false;
    this.#records.set(key, { value: value.slice(), deadline: performance.now() + ttlMs });
    return true;
  }

  protected async doDeleteIfEquals(key: string, value: Uint8Array): Promise<boolean> {
    const record = this.#live(key);
    if (record === undefined || !equalBytes(record.value, value)) return false;
    return this.#records.delete(key);
  }

  protected async doMset(entries: readonly MsetEntry[]): Promise<void> {
    for (const { key, value, ttlMs } of entries) await this.doSet(key, value, ttlMs, false);
  }

  protected async doGet(key: string): Promise<Uint8Array | null> {
    return this.#live(key)?.value.slice() ?? null;
  }

  protected async doMget(keys: readonly string[]): Promise<(Uint8Array | null)[]> {
    return keys.map((key) => this.#live(key)?.value.slice() ?? null);
  }

  protected async doExpire(keys: readonly string[], ttlMs: number): Promise<void> {
    for (const key of keys) {
      const record = this.#live(key);
      if (record !== undefined) record.deadline = performance.now() + ttlMs;
    }
  }

  protected async doKeys(prefix: string): Promise<string[]> {
    return [...this.#records.keys()].filter((key) => key.startsWith(prefix) && this.#live(key) !== undefined);
  }

  protected async doDelete(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.#records.delete(key);
  }

  #live(key: string): { value: Uint8Array; deadline: number } | undefined {
    const record = this.#records.get(key);
    if (record === undefined || record.deadline > performance.now()) return record;
    this.#records.delete(key);
    return undefined;
  }
}
