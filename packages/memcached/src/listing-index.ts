import { partitionOf } from "@sessionkv/core/store-kit";
import { type KeyEncoder, bucketOf } from "./key-encoding.js";
import {
  type Bucket,
  type BucketGroups,
  BucketIndex,
  type FinishResult,
  type IndexPlan,
  type IndexStats,
  type LivenessCheck,
  decodeEntries,
} from "./key-index.js";
import type { Reply } from "./protocol.js";
import type { Transport } from "./transport.js";

/**
 * Which bucket lists which key (README, "The keys() index"):
 *
 * - A key with at least two `/` belongs to the scope that ends at its second `/`, its partition
 *   (core README, "Partitions"; `sessions/{call}/` for the registry), and is listed in that
 *   scope's own bucket: listing a scope, or any prefix inside one, reads that one item whatever
 *   the namespace's size.
 * - The directory (DIRECTORY_BUCKETS items) lists the scopes, for prefixes shorter than a
 *   scope. A scope is entered when its bucket is created, and again by every refresh of its
 *   keys (`expire`, `onlyIfExists`: the registry's heartbeats), so that a directory item lost
 *   with its server heals in one refresh; plain writes do not pay for it.
 * - Other keys go to ROOT_BUCKETS namespace-wide buckets, by hash.
 */
export const ROOT_BUCKETS = 32;
export const DIRECTORY_BUCKETS = 32;

export interface ListingPlan {
  readonly index: IndexPlan;
  readonly commands: IndexPlan["commands"];
}

export class ListingIndex {
  readonly #encoder: KeyEncoder;
  readonly #buckets: BucketIndex;
  readonly #liveKeys: LivenessCheck;
  readonly #roots: readonly Bucket[];
  readonly #directory: readonly Bucket[];
  readonly #scopes = new Map<string, Bucket>();

  /** `liveKeys` reports the keys whose data is live, or whose server cannot tell (kept by compaction). */
  constructor(transport: Transport, encoder: KeyEncoder, liveKeys: LivenessCheck) {
    this.#encoder = encoder;
    this.#liveKeys = liveKeys;
    this.#roots = Array.from({ length: ROOT_BUCKETS }, (_, b) => ({
      item: encoder.bucketKey(b),
      counter: encoder.counterKey(b),
      kind: "keys" as const,
    }));
    this.#directory = Array.from({ length: DIRECTORY_BUCKETS }, (_, b) => ({
      item: encoder.directoryKey(b),
      counter: encoder.directoryCounterKey(b),
      kind: "scopes" as const,
    }));
    this.#buckets = new BucketIndex(transport, (kind) =>
      kind === "keys" ? liveKeys : (scopes) => this.#liveScopes(scopes),
    );
  }

  /**
   * The commands that record `keys`. With `reenter` (refreshes: `expire`, `onlyIfExists`)
   * their scopes are entered in the directory again, so that a directory item lost with its
   * server lists them again after one refresh.
   */
  plan(keys: readonly string[], reenter = false): ListingPlan {
    // A lone write (the common case) needs no grouping.
    const groups =
      keys.length === 1 && !reenter
        ? [[this.#bucketOf(keys[0]!), keys] as const]
        : this.#groups(keys, reenter);
    const index = this.#buckets.plan(groups);
    return { index, commands: index.commands };
  }

  /**
   * Handles the replies to a plan; false when some entries' server was down. Settles without
   * a promise when there is nothing left to do (the common case, on the path of every write).
   */
  finish(
    plan: ListingPlan,
    replies: readonly (Reply | undefined)[],
    unreachable?: ReadonlySet<number>,
  ): Promise<boolean> | boolean {
    try {
      const result = this.#buckets.finish(plan.index, replies, unreachable);
      if (result instanceof Promise) return result.then((r) => this.#enterCreated(r));
      return result.created.length === 0 ? result.complete : this.#enterCreated(result);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Records `keys` on its own (pools, refreshes); best effort where a server is down. */
  async record(keys: readonly string[], reenter = false): Promise<boolean> {
    if (keys.length === 0) return true;
    return this.#enterCreated(await this.#buckets.record(this.#groups(keys, reenter)));
  }

  /** Distinct entries that may start with `prefix`: candidates, not yet confirmed against the data. */
  async candidates(prefix: string): Promise<string[]> {
    const scope = partitionOf(prefix);
    const found = new Set<string>();
    const collect = (items: readonly (Reply | undefined)[]) => {
      for (const item of items) {
        if (item === undefined) continue;
        for (const key of decodeEntries(item.value)) if (key.startsWith(prefix)) found.add(key);
      }
    };
    if (scope !== undefined) {
      collect(await this.#buckets.read([this.#scopeBucket(scope)]));
      return [...found];
    }
    const roots = Array.from({ length: ROOT_BUCKETS }, (_, b) => this.#rootBucket(b));
    const items = await this.#buckets.read([...roots, ...this.#directoryBuckets()]);
    collect(items.slice(0, ROOT_BUCKETS));
    const scopes = this.#scopesIn(items.slice(ROOT_BUCKETS), prefix);
    collect(await this.#buckets.read(scopes.map((s) => this.#scopeBucket(s))));
    return [...found];
  }

  /** Sizes of every bucket of the namespace: root, directory and the scopes it lists. */
  async stats(): Promise<IndexStats> {
    const fixed = [
      ...Array.from({ length: ROOT_BUCKETS }, (_, b) => this.#rootBucket(b)),
      ...this.#directoryBuckets(),
    ];
    const scopes = this.#scopesIn(await this.#buckets.read(this.#directoryBuckets()), "");
    return this.#buckets.stats([...fixed, ...scopes.map((s) => this.#scopeBucket(s))]);
  }

  /**
   * A scope stays in the directory while its bucket lists a live key: two pipelined reads for
   * all of them (buckets, then their keys' data). A bucket in which nothing is live is deleted
   * under the CAS it was read with, so that an append racing the check keeps it (and its
   * scope); a check that fails keeps every scope.
   */
  async #liveScopes(scopes: readonly string[]): Promise<Set<string>> {
    const buckets = scopes.map((s) => this.#scopeBucket(s));
    const items = await this.#buckets.read(buckets).catch(() => undefined);
    if (items === undefined) return new Set(scopes);
    const entries = items.map((item) => (item === undefined ? [] : decodeEntries(item.value)));
    const liveKeys = await this.#liveKeys([...new Set(entries.flat())]);
    const live = new Set<string>();
    const dead: number[] = [];
    scopes.forEach((scope, i) => {
      if (items[i] === undefined) return;
      if (entries[i]!.some((key) => liveKeys.has(key))) live.add(scope);
      else dead.push(i);
    });
    const deleted = await this.#buckets
      .deleteUnchanged(dead.map((i) => [buckets[i]!, items[i]!.cas] as const))
      .catch(() => dead.map(() => false));
    dead.forEach((i, n) => {
      if (!deleted[n]) live.add(scopes[i]!);
    });
    return live;
  }

  /** A scope bucket created by this write: the scope is new to the directory (or the bucket was lost). */
  async #enterCreated(result: FinishResult): Promise<boolean> {
    const scopes = result.created.flatMap((b) => (b.scope === undefined ? [] : [b.scope]));
    if (scopes.length === 0) return result.complete;
    const groups = new Groups();
    for (const scope of scopes) groups.add(this.#directoryBucket(scope), scope);
    const entered = await this.#buckets.record(groups.entries());
    return result.complete && entered.complete;
  }

  #groups(keys: readonly string[], reenter: boolean): BucketGroups {
    const groups = new Groups();
    for (const key of keys) {
      const scope = partitionOf(key);
      if (scope === undefined) {
        groups.add(this.#bucketOf(key), key);
        continue;
      }
      if (reenter && !groups.has(this.#encoder.scopeKey(scope)))
        groups.add(this.#directoryBucket(scope), scope);
      groups.add(this.#scopeBucket(scope), key);
    }
    return groups.entries();
  }

  #scopesIn(directory: readonly (Reply | undefined)[], prefix: string): string[] {
    const scopes = new Set<string>();
    for (const item of directory) {
      if (item === undefined) continue;
      for (const scope of decodeEntries(item.value)) if (scope.startsWith(prefix)) scopes.add(scope);
    }
    return [...scopes];
  }

  #directoryBuckets(): Bucket[] {
    return Array.from({ length: DIRECTORY_BUCKETS }, (_, b) => this.#directoryAt(b));
  }

  /** The bucket that lists `key`: its scope's, or a root bucket. */
  #bucketOf(key: string): Bucket {
    const scope = partitionOf(key);
    return scope === undefined ? this.#rootBucket(bucketOf(key, ROOT_BUCKETS)) : this.#scopeBucket(scope);
  }

  #rootBucket(bucket: number): Bucket {
    return this.#roots[bucket]!;
  }

  #scopeBucket(scope: string): Bucket {
    let bucket = this.#scopes.get(scope);
    if (bucket === undefined) {
      // Two key encodings per write otherwise; beyond the bound, forgetting only costs them again.
      if (this.#scopes.size >= MAX_REMEMBERED_SCOPES) this.#scopes.clear();
      bucket = {
        item: this.#encoder.scopeKey(scope),
        counter: this.#encoder.scopeCounterKey(scope),
        kind: "keys",
        scope,
      };
      this.#scopes.set(scope, bucket);
    }
    return bucket;
  }

  #directoryBucket(scope: string): Bucket {
    return this.#directoryAt(bucketOf(scope, DIRECTORY_BUCKETS));
  }

  #directoryAt(bucket: number): Bucket {
    return this.#directory[bucket]!;
  }
}

/** Scope buckets (their encoded keys) a store remembers. */
const MAX_REMEMBERED_SCOPES = 10_000;

/** Entries per bucket, buckets told apart by their item key. */
class Groups {
  readonly #byItem = new Map<string, [Bucket, string[]]>();

  has(item: string): boolean {
    return this.#byItem.has(item);
  }

  add(bucket: Bucket, entry: string): void {
    const group = this.#byItem.get(bucket.item);
    if (group === undefined) this.#byItem.set(bucket.item, [bucket, [entry]]);
    else group[1].push(entry);
  }

  entries(): BucketGroups {
    return this.#byItem.values();
  }
}
