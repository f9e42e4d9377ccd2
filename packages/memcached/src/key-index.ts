import { ErrorCode, SessionKVError } from "@sessionkv/core";
import { unique } from "@sessionkv/core/store-kit";
import {
  type Command,
  MemcachedStatusError,
  Opcode,
  type Reply,
  Status,
  incrementExtras,
  readUInt64,
  storageExtras,
} from "./protocol.js";
import type { Transport } from "./transport.js";

/**
 * Index buckets: the building block of the listing index (design and failure modes: README,
 * "The keys() index"; which buckets exist: listing-index.ts).
 *
 * - A bucket item is a list of entries `[u16 length][text, UTF-8]` (a key, or a scope name).
 * - Writers add entries with `append`, which the server applies atomically, so concurrent
 *   writers from any number of processes never lose each other's entries (no read-modify-write).
 *   A key is written to its data item first and appended second: an entry never precedes its data.
 * - Appends are counted on the bucket's counter item (`incr` is atomic and returns the new
 *   value), COUNT_EVERY at a time per process. The writer whose increment crosses the bucket's threshold compacts it: reads
 *   it with its CAS, drops duplicates and dead entries, and writes it back only if nobody
 *   appended meanwhile (CAS); after compaction the threshold is set to the number of entries
 *   kept, so a bucket holds at most 2 × max(MIN_COMPACT_ENTRIES, the entries its last compaction
 *   kept), plus the appends in flight and those not yet counted (README, "The keys() index": Bound).
 * - Entries are hints: keys() confirms each candidate against its data item before returning it.
 */

/** Counters sit at COUNTER_BASE − room; the increment that reaches COUNTER_BASE triggers compaction. */
const COUNTER_BASE = 2 ** 32;
/** Smallest room before a compaction, so that small buckets are not compacted on every write. */
export const MIN_COMPACT_ENTRIES = 128;
/**
 * A process sends its appends' count to an item's counter once this many have accumulated
 * (one `incr` for several appends): an item can exceed its threshold by this much less one per
 * writer process before its compaction starts.
 */
export const COUNT_EVERY = 8;
/** Items with counts not yet sent that a process remembers; beyond, it forgets (compaction comes later). */
const MAX_UNSENT_COUNTS = 10_000;
/** A compaction that lost its race (or failed) is retried after this many more appends. */
const RETRY_EVERY = 64;
const COMPACT_ATTEMPTS = 5;
const APPEND_ROUNDS = 5;

/**
 * Returns the subset of `entries` that must stay listed. Compaction keeps an entry whose
 * liveness cannot be checked (its data's server is down): dropping it would hide the key once
 * the server is back.
 */
export type LivenessCheck = (entries: readonly string[]) => Promise<Set<string>>;

export interface Bucket {
  /** Memcached key of the entries item. */
  readonly item: string;
  /** Memcached key of its append counter; sent to the item's server (`route`). */
  readonly counter: string;
  /** What the entries are: data keys, or scope names (the directory). */
  readonly kind: "keys" | "scopes";
  /** The scope a scope bucket lists (see listing-index.ts). */
  readonly scope?: string;
}

/** Entries to append, per bucket. */
export type BucketGroups = Iterable<readonly [Bucket, readonly string[]]>;

interface PlannedBucket {
  readonly bucket: Bucket;
  readonly entries: Buffer;
  /** Index in the plan's commands of the append, and of the increment if one is sent. */
  readonly appendAt: number;
  readonly counted?: { readonly at: number; readonly delta: number };
}

export interface IndexPlan {
  readonly commands: readonly Command[];
  readonly buckets: readonly PlannedBucket[];
}

export interface IndexStats {
  readonly buckets: number;
  readonly bytes: number;
  readonly entries: number;
  readonly largestBucketBytes: number;
}

/** What `finish` did: the buckets it had to create, and whether any entry could not be sent. */
export interface FinishResult {
  readonly created: readonly Bucket[];
  readonly complete: boolean;
}

export class BucketIndex {
  readonly #transport: Transport;
  readonly #liveness: (kind: Bucket["kind"]) => LivenessCheck;
  /** Appends made by this process and not yet counted on the server, per item. */
  readonly #unsent = new Map<string, number>();

  constructor(transport: Transport, liveness: (kind: Bucket["kind"]) => LivenessCheck) {
    this.#transport = transport;
    this.#liveness = liveness;
  }

  /** The commands that record each group: one append per bucket, and its count every COUNT_EVERY appends. */
  plan(groups: BucketGroups): IndexPlan {
    const commands: Command[] = [];
    const buckets: PlannedBucket[] = [];
    for (const [bucket, list] of groups) {
      if (list.length === 0) continue;
      const entries = encodeEntries(list);
      const appendAt = commands.push({ key: bucket.item, opcode: Opcode.APPENDQ, value: [entries] }) - 1;
      const delta = (this.#unsent.get(bucket.item) ?? 0) + list.length;
      if (delta < COUNT_EVERY) {
        if (this.#unsent.size >= MAX_UNSENT_COUNTS) this.#unsent.clear();
        this.#unsent.set(bucket.item, delta);
        buckets.push({ bucket, entries, appendAt });
        continue;
      }
      this.#unsent.delete(bucket.item);
      const at =
        commands.push({
          key: bucket.counter,
          route: bucket.item,
          opcode: Opcode.INCREMENT,
          extras: incrementExtras(delta, COUNTER_BASE - MIN_COMPACT_ENTRIES + delta),
        }) - 1;
      buckets.push({ bucket, entries, appendAt, counted: { at, delta } });
    }
    return { commands, buckets };
  }

  /**
   * Handles the replies to a plan: creates missing buckets (`append` does not create), and
   * compacts the buckets whose counter crossed the threshold. `unreachable` holds the indexes
   * of the plan's commands whose server failed: those entries are not recorded.
   */
  finish(
    plan: IndexPlan,
    replies: readonly (Reply | undefined)[],
    unreachable: ReadonlySet<number> = NONE,
  ): Promise<FinishResult> | FinishResult {
    const missing: PlannedBucket[] = [];
    const toCompact: Bucket[] = [];
    const oversized: PlannedBucket[] = [];
    let complete = true;
    for (const b of plan.buckets) {
      if (unreachable.has(b.appendAt)) {
        complete = false;
        continue;
      }
      const appended = replies[b.appendAt];
      if (appended !== undefined) {
        if (appended.status === Status.NOT_STORED) missing.push(b);
        else if (appended.status === Status.VALUE_TOO_LARGE) oversized.push(b);
        else throw new MemcachedStatusError(appended.status, "append to an index bucket");
      }
      if (b.counted === undefined) continue;
      const counted = replies[b.counted.at];
      if (counted === undefined) continue; // its server failed after the append: compaction waits
      if (counted.status === Status.OK && counted.value.length === 8) {
        if (crossed(readUInt64(counted.value), b.counted.delta)) toCompact.push(b.bucket);
      } else if (counted.status === Status.NON_NUMERIC) {
        // Something else overwrote the counter: compacting resets it, else it never triggers again.
        toCompact.push(b.bucket);
      }
      // Any other failure only delays compaction: the next increment tries again.
    }
    // The common case (the items exist, no compaction due) settles without a promise: this is
    // on the path of every write.
    if (missing.length === 0 && oversized.length === 0 && toCompact.length === 0)
      return complete ? FINISHED : UNFINISHED;
    return this.#repair(missing, oversized, toCompact, complete);
  }

  /** Creates the missing buckets, makes room in the oversized ones, compacts those due. */
  async #repair(
    needed: readonly PlannedBucket[],
    oversized: PlannedBucket[],
    toCompact: readonly Bucket[],
    complete: boolean,
  ): Promise<FinishResult> {
    let missing = needed;
    const created: Bucket[] = [];
    // A bucket item is missing the first time, or after eviction or a restart: create it; if
    // another writer created it in between, append after all.
    for (let round = 0; missing.length > 0; round++) {
      if (round === APPEND_ROUNDS) throw new Error("index bucket creation kept racing with other writers");
      const adding = round % 2 === 0;
      const results = await this.#transport.send(
        missing.map(
          (b): Command => ({
            key: b.bucket.item,
            opcode: adding ? Opcode.ADDQ : Opcode.APPENDQ,
            extras: adding ? storageExtras(0) : undefined,
            value: [b.entries],
          }),
        ),
      );
      missing = missing.filter((b, i) => {
        const r = results[i];
        if (r === undefined) {
          if (adding) created.push(b.bucket);
          return false;
        }
        if (r.status === Status.NOT_STORED || r.status === Status.KEY_EXISTS) return true;
        if (r.status === Status.VALUE_TOO_LARGE) {
          oversized.push(b);
          return false;
        }
        throw new MemcachedStatusError(r.status, "create an index bucket");
      });
    }

    // Appending would make the bucket larger than the server's item size: compact, try once more.
    for (const b of oversized) {
      await this.compact(b.bucket);
      const [r] = await this.#transport.send([
        { key: b.bucket.item, opcode: Opcode.APPENDQ, value: [b.entries] },
      ]);
      if (r !== undefined) {
        throw new SessionKVError(
          ErrorCode.STORE_MISCONFIGURED,
          `a keys() index bucket is full (${r.status === Status.VALUE_TOO_LARGE ? "larger than the server's item size" : `status ${r.status}`}); ` +
            "raise the server's item size (-I) for this many keys",
        );
      }
    }

    // Best effort: the write itself has succeeded; a failed compaction is retried later.
    await Promise.all(toCompact.map((bucket) => this.compact(bucket).catch(() => undefined)));
    return { created, complete };
  }

  /** Sends a plan on its own; entries whose server is down are skipped (`complete: false`). */
  async record(groups: BucketGroups): Promise<FinishResult> {
    const plan = this.plan(groups);
    if (plan.commands.length === 0) return { created: [], complete: true };
    const sent = await this.#transport.sendPartial(plan.commands);
    return this.finish(plan, sent.replies, sent.unreachable);
  }

  /** Each bucket's item bytes (`undefined` where missing); rejects if a bucket's server is down. */
  async read(buckets: readonly Bucket[]): Promise<(Reply | undefined)[]> {
    const replies = await this.#transport.send(buckets.map((b) => ({ key: b.item, opcode: Opcode.GETKQ })));
    for (const r of replies) {
      if (r !== undefined && r.status !== Status.OK)
        throw new MemcachedStatusError(r.status, "read an index bucket");
    }
    return replies;
  }

  /**
   * Rewrites a bucket with one entry per live entry; CAS guarantees no concurrent append is
   * lost. A bucket left with no live entry is deleted (under the same CAS). Returns the entries kept.
   */
  async compact(bucket: Bucket): Promise<ReadonlySet<string>> {
    const kept = new Set<string>();
    const live = this.#liveness(bucket.kind);
    let seen: Buffer | undefined;
    for (let attempt = 0; attempt < COMPACT_ATTEMPTS; attempt++) {
      const [read] = await this.#transport.send([{ key: bucket.item, opcode: Opcode.GETK }]);
      if (read === undefined) throw new Error("no reply to an index bucket read");
      if (read.status === Status.KEY_NOT_FOUND) {
        await this.#resetCounter(bucket, 0);
        return kept;
      }
      if (read.status !== Status.OK) throw new MemcachedStatusError(read.status, "read an index bucket");

      // After a lost race only the entries appended since the last read need a check: appends
      // only ever add to the end, and an entry re-written after our check has a newer entry there.
      const grewFromSeen =
        seen !== undefined &&
        read.value.length >= seen.length &&
        read.value.subarray(0, seen.length).equals(seen);
      if (!grewFromSeen) kept.clear();
      const fresh = unique(decodeEntries(grewFromSeen ? read.value.subarray(seen!.length) : read.value));
      const alive = await live(fresh);
      for (const entry of fresh) if (alive.has(entry)) kept.add(entry);

      const [written] = await this.#transport.send([
        kept.size === 0
          ? { key: bucket.item, opcode: Opcode.DELETE, cas: read.cas }
          : {
              key: bucket.item,
              opcode: Opcode.SET,
              extras: storageExtras(0),
              cas: read.cas,
              value: [encodeEntries(kept)],
            },
      ]);
      if (written === undefined) throw new Error("no reply to an index bucket write");
      if (written.status === Status.OK) {
        // Not waited for: the item is compacted, and the reset only decides when the next
        // compaction comes (a round trip less for the write or refresh that triggered this one).
        this.#resetCounter(bucket, kept.size).catch(() => undefined);
        return kept;
      }
      if (written.status === Status.KEY_NOT_FOUND) return kept; // deleted meanwhile: nothing left
      if (written.status !== Status.KEY_EXISTS)
        throw new MemcachedStatusError(written.status, "write an index bucket");
      seen = read.value; // somebody appended meanwhile: check the new tail and try again
    }
    throw new Error("index compaction kept racing with appends");
  }

  /** Deletes each bucket unless it changed since read with `cas`; true where deleted. */
  async deleteUnchanged(buckets: readonly (readonly [Bucket, Buffer])[]): Promise<boolean[]> {
    const sent = await this.#transport.sendPartial(
      buckets.map(([bucket, cas]) => ({ key: bucket.item, opcode: Opcode.DELETEQ, cas })),
    );
    return buckets.map((_, i) => !sent.unreachable.has(i) && sent.replies[i] === undefined);
  }

  /** Sizes of the bucket items (diagnostics, and the tests that check the index bound). */
  async stats(buckets: readonly Bucket[]): Promise<IndexStats> {
    const items = await this.read(buckets);
    let bytes = 0;
    let entries = 0;
    let largestBucketBytes = 0;
    for (const item of items) {
      if (item === undefined) continue;
      bytes += item.value.length;
      entries += decodeEntries(item.value).length;
      largestBucketBytes = Math.max(largestBucketBytes, item.value.length);
    }
    return { buckets: buckets.length, bytes, entries, largestBucketBytes };
  }

  async #resetCounter(bucket: Bucket, entries: number): Promise<void> {
    // Increments racing this reset are forgotten; that only shifts the next compaction.
    const room = Math.max(MIN_COMPACT_ENTRIES, entries);
    await this.#transport.send([
      {
        key: bucket.counter,
        route: bucket.item,
        opcode: Opcode.SETQ,
        extras: storageExtras(0),
        value: [Buffer.from(String(COUNTER_BASE - room), "latin1")],
      },
    ]);
  }
}

const NONE: ReadonlySet<number> = new Set();
const FINISHED: FinishResult = Object.freeze({ created: [], complete: true });
const UNFINISHED: FinishResult = Object.freeze({ created: [], complete: false });

/** Did an increment by `count` that ended at `after` cross the trigger (or a retry step past it)? */
function crossed(after: number, count: number): boolean {
  const before = after - count;
  if (after < COUNTER_BASE) return false;
  if (before < COUNTER_BASE) return true;
  return (
    Math.floor((after - COUNTER_BASE) / RETRY_EVERY) !== Math.floor((before - COUNTER_BASE) / RETRY_EVERY)
  );
}

/** Entries `[u16 length][UTF-8 text]`, written into one buffer. */
function encodeEntries(entries: Iterable<string>): Buffer {
  const list = [...entries];
  let bytes = 0;
  for (const entry of list) bytes += 2 + Buffer.byteLength(entry, "utf8");
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (const entry of list) {
    const length = out.write(entry, at + 2, "utf8");
    out.writeUInt16BE(length, at);
    at += 2 + length;
  }
  return out;
}

/** Entries in order, repeats included; a truncated tail (a foreign writer) is ignored. */
export function decodeEntries(bytes: Buffer): string[] {
  const keys: string[] = [];
  let at = 0;
  while (at + 2 <= bytes.length) {
    const length = bytes.readUInt16BE(at);
    if (length === 0 || at + 2 + length > bytes.length) break;
    keys.push(bytes.toString("utf8", at + 2, at + 2 + length));
    at += 2 + length;
  }
  return keys;
}
