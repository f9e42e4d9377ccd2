import type * as StoreKit from "../src/store-kit.ts";

type Kit = typeof StoreKit;

/** The same Map store over either build's base class. */
export function mapStore(kit: Kit): new () => InstanceType<Kit["BaseSessionKVStore"]> {
  return class MapStore extends kit.BaseSessionKVStore {
    readonly capabilities = Object.freeze({
      ttlResolutionMs: 1,
      minTtlMs: 1,
      expiryLagMs: 0,
      maxValueBytes: 1 << 20,
      maxKeyBytes: 1024,
      partitionListing: "scan" as const,
    });
    protected override readonly cannotHang = true;
    protected override readonly acceptsRepeatedKeys = true;
    readonly #map = new Map<string, { value: Uint8Array; until: number }>();
    protected async doStart(): Promise<void> {}
    protected async doClose(): Promise<void> {}
    protected async doSet(key: string, value: Uint8Array, ttlMs: number, onlyIfExists: boolean) {
      if (onlyIfExists && this.#live(key) === undefined) return;
      this.#map.set(key, { value: value.slice(), until: performance.now() + ttlMs });
    }
    protected async doMset(entries: readonly { key: string; value: Uint8Array; ttlMs: number }[]) {
      for (const e of entries)
        this.#map.set(e.key, { value: e.value.slice(), until: performance.now() + e.ttlMs });
    }
    protected async doSetIfAbsent(key: string, value: Uint8Array, ttlMs: number) {
      if (this.#live(key) !== undefined) return false;
      this.#map.set(key, { value: value.slice(), until: performance.now() + ttlMs });
      return true;
    }
    protected async doDeleteIfEquals(key: string, value: Uint8Array) {
      const entry = this.#live(key);
      if (entry === undefined || Buffer.compare(entry.value, value) !== 0) return false;
      return this.#map.delete(key);
    }
    protected async doGet(key: string) {
      return this.#live(key)?.value.slice() ?? null;
    }
    protected async doMget(keys: readonly string[]) {
      return keys.map((key) => this.#live(key)?.value.slice() ?? null);
    }
    protected async doExpire(keys: readonly string[], ttlMs: number) {
      const until = performance.now() + ttlMs;
      for (const key of keys) {
        const entry = this.#live(key);
        if (entry !== undefined) entry.until = until;
      }
    }
    protected async doKeys(prefix: string) {
      return [...this.#map.keys()].filter((k) => k.startsWith(prefix) && this.#live(k) !== undefined);
    }
    protected async doDelete(keys: readonly string[]) {
      for (const key of keys) this.#map.delete(key);
    }
    #live(key: string) {
      const entry = this.#map.get(key);
      return entry !== undefined && entry.until > performance.now() ? entry : undefined;
    }
  };
}
