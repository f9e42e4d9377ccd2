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
 * - A key with at least two `/` belongs to the scope that ends at its second `/`
 *   (`sessions/{call}/` for the registry), and is listed in that scope's own bucket: listing
 *   a scope, or any prefix inside one, reads that one item whatever the namespace's size.
 * - The directory (DIRECTORY_BUCKETS items) lists the scopes, for prefixes shorter than a
 *   scope. A scope is entered when its bucket is created, and again by every refresh
 *   (`expire`, `onlyIfExists`) of its keys, so that a directory lost with its server heals.
 * - Other keys go to ROOT_BUCKETS namespace-wide buckets, by hash.
 */
export const ROOT_BUCKETS = 32;
export const DIRECTORY_BUCKETS = 32;

/** The scope of a key or prefix: up to and including its second `/`; `undefined` when it has fewer. */
export function scopeOf(text: string): string | undefined {
  const first = text.indexOf("/");
  if (first < 0) return undefined;
  const second = text.indexOf("/", first + 1);
  return second < 0 ? undefined : text.slice(0, second + 1);
}

export interface ListingPlan {
  readonly index: IndexPlan;
  readonly commands: IndexPlan["commands"];
}

export class ListingIndex {
  readonly #encoder: KeyEncoder;
  readonly #buckets: BucketIndex;
  readonly #liveKeys: LivenessCheck;

  /** `liveKeys` reports the keys whose data is live, or whose server cannot tell (kept by compaction). */
  constructor(transport: Transport, encoder: KeyEncoder, liveKeys: LivenessCheck) {
    this.#encoder = encoder;
    this.#liveKeys = liveKeys;
    this.#buckets = new BucketIndex(transport, (kind) =>
      kind === "keys" ? liveKeys : (scopes) => this.#liveScopes(scopes),
    );
  }

  /** The commands that record `keys` (and, with `directory`, their scopes in the directory). */
  plan(keys: readonly string[], directory = false): ListingPlan {
    const index = this.#buckets.plan(this.#groups(keys, directory));
    return { index, commands: index.commands };
  }

  /** Handles the replies to a plan; false when some entries' server was down. */
  async finish(
    plan: ListingPlan,
    replies: readonly (Reply | undefined)[],
    unreachable?: ReadonlySet<number>,
  ): Promise<boolean> {
    return this.#enterCreated(await this.#buckets.finish(plan.index, replies, unreachable));
  }

  /** Records `keys` on its own (pools, refreshes); best effort where a server is down. */
  async record(keys: readonly string[], directory = false): Promise<boolean> {
    if (keys.length === 0) return true;
    return this.#enterCreated(await this.#buckets.record(this.#groups(keys, directory)));
  }

  /** Distinct entries that may start with `prefix`: candidates, not yet confirmed against the data. */
  async candidates(prefix: string): Promise<string[]> {
    const scope = scopeOf(prefix);
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

  /** Compacts one scope's bucket now (tests, and the directory's liveness check). */
  compactScope(scope: string): Promise<ReadonlySet<string>> {
    return this.#buckets.compact(this.#scopeBucket(scope));
  }

  /**
   * A scope stays in the directory while its bucket lists a live key. Checking compacts the
   * bucket, which deletes it when nothing in it is live; a check that fails keeps the scope.
   */
  async #liveScopes(scopes: readonly string[]): Promise<Set<string>> {
    const kept = await Promise.all(scopes.map((scope) => this.compactScope(scope).catch(() => undefined)));
    return new Set(scopes.filter((_, i) => kept[i] === undefined || kept[i]!.size > 0));
  }

  /** A scope bucket created by this write: the scope may be new to the directory (or it was lost). */
  async #enterCreated(result: FinishResult): Promise<boolean> {
    const scopes = result.created.flatMap((b) => (b.scope === undefined ? [] : [b.scope]));
    if (scopes.length === 0) return result.complete;
    const groups = new Groups();
    for (const scope of scopes) groups.add(this.#directoryBucket(scope), scope);
    const entered = await this.#buckets.record(groups.entries());
    return result.complete && entered.complete;
  }

  #groups(keys: readonly string[], directory: boolean): BucketGroups {
    const groups = new Groups();
    for (const key of keys) {
      const scope = scopeOf(key);
      if (scope === undefined) {
        groups.add(this.#rootBucket(bucketOf(key, ROOT_BUCKETS)), key);
        continue;
      }
      if (directory && !groups.has(this.#encoder.scopeKey(scope)))
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

  #rootBucket(bucket: number): Bucket {
    return {
      item: this.#encoder.bucketKey(bucket),
      counter: this.#encoder.counterKey(bucket),
      kind: "keys",
    };
  }

  #scopeBucket(scope: string): Bucket {
    return {
      item: this.#encoder.scopeKey(scope),
      counter: this.#encoder.scopeCounterKey(scope),
      kind: "keys",
      scope,
    };
  }

  #directoryBucket(scope: string): Bucket {
    return this.#directoryAt(bucketOf(scope, DIRECTORY_BUCKETS));
  }

  #directoryAt(bucket: number): Bucket {
    return {
      item: this.#encoder.directoryKey(bucket),
      counter: this.#encoder.directoryCounterKey(bucket),
      kind: "scopes",
    };
  }
}

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
