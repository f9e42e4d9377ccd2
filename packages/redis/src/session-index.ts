import { ErrorCode, SessionKVError } from "@sessionkv/core";
import { partitionOf } from "@sessionkv/core/store-kit";
import { INDEX_MARK, PRUNE_GRACE_MS, ServerClock } from "./listing.js";
import type { RedisClient, Topology } from "./topology.js";

/** A command batch: an ioredis pipeline or MULTI, or anything with the commands the store queues. */
export type Batch = ReturnType<RedisClient["pipeline"]>;

/** What one write does to the index, per partition: ZADD GT deadline member…, and the longest TTL. */
type IndexUpdates = Map<string, IndexUpdate>;
interface IndexUpdate {
  readonly args: string[];
  ttlMs: number;
}

/**
 * The per-partition listing index (README, "Listing"): a sorted set per registry-shaped
 * partition, members the keys (without `keyPrefix`), scores an upper bound of their deadline on
 * the server's clock. The rules that keep listings complete and exact:
 * - an entry is written before (standalone: in the same MULTI as) the record it covers, so no
 *   record exists without one, even when a write fails halfway;
 * - a score only rises (ZADD GT), so it never falls below the record's real deadline;
 * - entries are removed only once their score is PRUNE_GRACE_MS in the past, never on delete or
 *   on a failed existence check, either of which could race with a concurrent writer;
 * - a listing checks that every candidate exists, so deleted and expired records are not listed;
 * - the sorted set itself expires PRUNE_GRACE_MS after the last deadline written to it
 *   (PEXPIRE NX, then GT: only ever extended), so a partition nobody lists again (a call that
 *   ended) leaves nothing behind.
 */
export class SessionIndex {
  readonly #client: RedisClient;
  readonly #topology: Topology;
  readonly #keyPrefix: string;
  readonly #clock = new ServerClock();

  constructor(client: RedisClient, topology: Topology, keyPrefix: string) {
    this.#client = client;
    this.#topology = topology;
    this.#keyPrefix = keyPrefix;
  }

  async syncClock(): Promise<void> {
    const sentAt = performance.now();
    const time = await this.#client.time();
    this.#clock.sync(time.map(String), sentAt);
  }

  indexKey(partition: string): string {
    return this.#keyPrefix + INDEX_MARK + partition;
  }

  /**
   * Runs `write` (which queues the record commands on the batch it is given) with the index
   * entries of `items` written first. One server, `together`: one MULTI, so the entries and the
   * records are applied together or not at all. Cluster, or not `together`: the entries are
   * written (and confirmed) before the records' pipelines are sent; on a Cluster the index keys
   * live in other slots than the records, and a large refresh (`together` false) only extends records
   * that already have an entry, where a MULTI would cost the client a QUEUED reply per command
   * (about a tenth of a heartbeat's client CPU at 10,000 sessions: docs/benchmarks.md).
   */
  async write<T>(
    items: readonly T[],
    keyOf: (item: T) => string,
    ttlOf: (item: T) => number,
    write: (batch: Batch, items: readonly T[]) => void,
    together = true,
  ): Promise<void> {
    const updates = this.#updates(items, keyOf, ttlOf);
    if (!this.#topology.cluster && (together || updates.size === 0)) {
      const batch = updates.size === 0 ? this.#client.pipeline() : this.#client.multi();
      for (const [indexKey, update] of updates) queueUpdate(batch, indexKey, update);
      write(batch, items);
      await execBatch(batch);
      return;
    }
    if (!this.#topology.cluster) {
      // One server: every partition's entries in one pipeline, not one per partition (a
      // heartbeat spans many calls, and each pipeline is a write and a reply of its own).
      const entries = this.#client.pipeline();
      for (const [indexKey, update] of updates) queueUpdate(entries, indexKey, update);
      await execBatch(entries);
      const records = this.#client.pipeline();
      write(records, items);
      await execBatch(records);
      return;
    }
    await Promise.all(
      [...updates].map(([indexKey, update]) => {
        const batch = this.#client.pipeline();
        queueUpdate(batch, indexKey, update);
        return execBatch(batch);
      }),
    );
    const groups = this.#topology.partition(items, (item) => this.#keyPrefix + keyOf(item));
    await Promise.all(
      groups.map((group) => {
        const batch = this.#client.pipeline();
        write(batch, group);
        return execBatch(batch);
      }),
    );
  }

  /**
   * `write` for one record command whose reply the caller needs (a claim's `SET … NX`): its
   * entry first, by the same rules, and the command's own reply returned.
   */
  async writeOne(key: string, ttlMs: number, command: (batch: Batch) => void): Promise<unknown> {
    const updates = this.#updates(
      [key],
      (item) => item,
      () => ttlMs,
    );
    if (this.#topology.cluster && updates.size > 0) {
      const entries = this.#client.pipeline();
      for (const [indexKey, update] of updates) queueUpdate(entries, indexKey, update);
      await execBatch(entries);
      const record = this.#client.pipeline();
      command(record);
      return lastReply(await record.exec());
    }
    const batch = updates.size === 0 ? this.#client.pipeline() : this.#client.multi();
    for (const [indexKey, update] of updates) queueUpdate(batch, indexKey, update);
    command(batch);
    return lastReply(await batch.exec());
  }

  #updates<T>(items: readonly T[], keyOf: (item: T) => string, ttlOf: (item: T) => number): IndexUpdates {
    const updates: IndexUpdates = new Map();
    const now = this.#clock.now();
    // A heartbeat's keys come in runs of one partition (one call's sessions): while a key starts
    // with the last key's partition, it has that partition, with no slice, index key or lookup.
    let partition: string | undefined;
    let update: IndexUpdate | undefined;
    // One score string for a run of equal TTLs, not one number for the driver to format per key.
    let scoreTtlMs = Number.NaN;
    let score = "";
    for (const item of items) {
      const key = keyOf(item);
      if (update === undefined || partition === undefined || !key.startsWith(partition)) {
        partition = partitionOf(key);
        if (partition === undefined) continue;
        const indexKey = this.indexKey(partition);
        update = updates.get(indexKey);
        if (update === undefined) {
          update = { args: [], ttlMs: 0 };
          updates.set(indexKey, update);
        }
      }
      const ttlMs = ttlOf(item);
      if (ttlMs !== scoreTtlMs) {
        scoreTtlMs = ttlMs;
        score = String(Math.ceil(now + ttlMs));
      }
      update.args.push(score, key);
      if (ttlMs > update.ttlMs) update.ttlMs = ttlMs;
    }
    return updates;
  }

  /**
   * The keys of `partition` that start with `prefix` and exist: the index's candidates (read
   * with the server's TIME, which also resynchronises the clock), then one EXISTS per candidate.
   */
  async list(partition: string, prefix: string): Promise<string[]> {
    const indexKey = this.indexKey(partition);
    const sentAt = performance.now();
    const replies = await this.#client
      .pipeline()
      .time()
      .zrangebyscore(indexKey, "-inf", "+inf", "WITHSCORES")
      .exec();
    const [timeReply, rangeReply] = checkedResults(replies, 2);
    this.#clock.sync((timeReply as unknown[]).map(String), sentAt);
    const pruneBefore = this.#clock.now() - PRUNE_GRACE_MS;
    const flat = rangeReply as string[];
    const candidates: string[] = [];
    let stale = false;
    for (let i = 0; i < flat.length; i += 2) {
      const member = flat[i] as string;
      if (Number(flat[i + 1]) < pruneBefore) stale = true;
      else if (member.startsWith(prefix)) candidates.push(member);
    }
    const pruning = stale
      ? this.#client.zremrangebyscore(indexKey, "-inf", `(${Math.floor(pruneBefore)}`)
      : null;
    const existing = await this.#existing(candidates);
    if (pruning !== null) await pruning;
    return existing;
  }

  async #existing(keys: readonly string[]): Promise<string[]> {
    if (keys.length === 0) return [];
    const groups = this.#topology.partition(keys, (key) => this.#keyPrefix + key);
    const found = await Promise.all(
      groups.map(async (group) => {
        const batch = this.#client.pipeline();
        for (const key of group) batch.exists(this.#keyPrefix + key);
        const results = checkedResults(await batch.exec(), group.length);
        return group.filter((_, i) => results[i] === 1);
      }),
    );
    return found.flat();
  }
}

function queueUpdate(batch: Batch, indexKey: string, update: IndexUpdate): void {
  batch.zadd(indexKey, "GT", ...update.args);
  // GT alone never applies to a key without a TTL (it counts as infinite), hence NX first.
  const ms = update.ttlMs + PRUNE_GRACE_MS;
  batch.call("PEXPIRE", indexKey, ms, "NX");
  batch.call("PEXPIRE", indexKey, ms, "GT");
}

type Results = [error: Error | null, result: unknown][] | null;

/** Each command's reply; the first failed command fails the whole batch. */
function checkedResults(results: Results, expected: number): unknown[] {
  if (results === null || results.length !== expected)
    throw new SessionKVError(ErrorCode.STORE_PROTOCOL, "a pipeline was discarded by the server");
  return results.map(([error, result]) => {
    if (error !== null) throw error;
    return result;
  });
}

/** The reply of a batch's last command, once every command of it succeeded. */
function lastReply(results: Results): unknown {
  if (results === null || results.length === 0)
    throw new SessionKVError(ErrorCode.STORE_PROTOCOL, "pipeline was discarded by the server");
  for (const [error] of results) if (error !== null) throw error;
  return results[results.length - 1]![1];
}

/**
 * A pipeline's first failed command fails the batch (in a plain pipeline the others have been
 * applied; a MULTI that fails at EXEC applied nothing).
 */
export async function execBatch(batch: Batch): Promise<void> {
  const results = await batch.exec();
  if (results === null)
    throw new SessionKVError(ErrorCode.STORE_PROTOCOL, "pipeline was discarded by the server");
  for (const [error] of results) if (error !== null) throw error;
}
