import { ErrorCode, SessionKVError } from "@sessionkv/core";
import { unique } from "@sessionkv/core/store-kit";
import { type KeyEncoder, bucketOf } from "./key-encoding.js";
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
 * The listing index Memcached lacks (design and failure modes: README, "The keys() index").
 *
 * - A namespace's keys are spread over INDEX_BUCKETS bucket items by a hash of the key; a
 *   bucket item is a list of entries `[u16 length][original key, UTF-8]`.
 * - Writers add entries with `append`, which the server applies atomically, so concurrent
 *   writers from any number of processes never lose each other's entries (no read-modify-write).
 *   A key is written to its data item first and appended second: an entry never precedes its data.
 * - Every append also increments the bucket's counter item (`incr` is atomic and returns the
 *   new value). The writer whose increment crosses the bucket's threshold compacts it: reads
 *   it with its CAS, drops duplicates and entries whose data is gone or expired, and writes it
 *   back only if nobody appended meanwhile (CAS); after compaction the threshold is set to the
 *   number of entries kept, so a bucket holds at most twice its live keys (or 2 × MIN entries).
 * - Entries are hints: keys() confirms each candidate against its data item before returning it.
 */
export const INDEX_BUCKETS = 32;

/** Counters sit at COUNTER_BASE − room; the increment that reaches COUNTER_BASE triggers compaction. */
const COUNTER_BASE = 2 ** 32;
/** Smallest room before a compaction, so that small buckets are not compacted on every write. */
export const MIN_COMPACT_ENTRIES = 128;
/** A compaction that lost its race (or failed) is retried after this many more appends. */
const RETRY_EVERY = 64;
const COMPACT_ATTEMPTS = 5;
const APPEND_ROUNDS = 5;

/** Returns the subset of `keys` whose data items exist and are unexpired. */
export type LivenessCheck = (keys: readonly string[]) => Promise<Set<string>>;

export interface IndexPlan {
  readonly commands: readonly Command[];
  readonly buckets: readonly { readonly bucket: number; readonly entries: Buffer; readonly count: number }[];
}

export interface IndexStats {
  readonly buckets: number;
  readonly bytes: number;
  readonly entries: number;
  readonly largestBucketBytes: number;
}

export class KeyIndex {
  readonly #transport: Transport;
  readonly #encoder: KeyEncoder;
  readonly #live: LivenessCheck;

  constructor(transport: Transport, encoder: KeyEncoder, live: LivenessCheck) {
    this.#transport = transport;
    this.#encoder = encoder;
    this.#live = live;
  }

  /** The commands that record `keys`: one append and one increment per bucket touched. */
  plan(keys: readonly string[]): IndexPlan {
    const byBucket = new Map<number, Buffer[]>();
    for (const key of keys) {
      const bucket = bucketOf(key, INDEX_BUCKETS);
      const list = byBucket.get(bucket) ?? [];
      if (list.length === 0) byBucket.set(bucket, list);
      list.push(encodeEntry(key));
    }
    const commands: Command[] = [];
    const buckets: IndexPlan["buckets"][number][] = [];
    for (const [bucket, list] of byBucket) {
      const entries = Buffer.concat(list);
      buckets.push({ bucket, entries, count: list.length });
      commands.push({ key: this.#encoder.bucketKey(bucket), opcode: Opcode.APPENDQ, value: [entries] });
      commands.push({
        key: this.#encoder.counterKey(bucket),
        opcode: Opcode.INCREMENT,
        extras: incrementExtras(list.length, COUNTER_BASE - MIN_COMPACT_ENTRIES + list.length),
      });
    }
    return { commands, buckets };
  }

  /** Sends a plan on its own (when data and index items may live on different servers). */
  async record(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const plan = this.plan(keys);
    await this.finish(plan, await this.#transport.send(plan.commands));
  }

  /**
   * Handles the replies to a plan: creates missing buckets (`append` does not create), and
   * compacts the buckets whose counter crossed the threshold.
   */
  async finish(plan: IndexPlan, replies: readonly (Reply | undefined)[]): Promise<void> {
    let missing: IndexPlan["buckets"][number][] = [];
    const toCompact: number[] = [];
    const oversized: IndexPlan["buckets"][number][] = [];
    plan.buckets.forEach((b, i) => {
      const appended = replies[2 * i];
      if (appended !== undefined) {
        if (appended.status === Status.NOT_STORED) missing.push(b);
        else if (appended.status === Status.VALUE_TOO_LARGE) oversized.push(b);
        else throw new MemcachedStatusError(appended.status, `append to index bucket ${b.bucket}`);
      }
      const counted = replies[2 * i + 1];
      if (counted === undefined)
        throw new Error(`no reply to the counter increment of index bucket ${b.bucket}`);
      if (counted.status === Status.OK && counted.value.length === 8) {
        if (crossed(readUInt64(counted.value), b.count)) toCompact.push(b.bucket);
      } else if (counted.status === Status.NON_NUMERIC) {
        // Something else overwrote the counter: compacting resets it, else it never triggers again.
        toCompact.push(b.bucket);
      }
      // Any other failure only delays compaction: the next increment tries again.
    });

    // A bucket item is missing the first time, or after eviction: create it; if another
    // writer created it in between, append after all.
    for (let round = 0; missing.length > 0; round++) {
      if (round === APPEND_ROUNDS) throw new Error("index bucket creation kept racing with other writers");
      const creating = missing.map(
        (b): Command => ({
          key: this.#encoder.bucketKey(b.bucket),
          opcode: round % 2 === 0 ? Opcode.ADDQ : Opcode.APPENDQ,
          extras: round % 2 === 0 ? storageExtras(0) : undefined,
          value: [b.entries],
        }),
      );
      const results = await this.#transport.send(creating);
      missing = missing.filter((b, i) => {
        const r = results[i];
        if (r === undefined) return false;
        if (r.status === Status.NOT_STORED || r.status === Status.KEY_EXISTS) return true;
        if (r.status === Status.VALUE_TOO_LARGE) {
          oversized.push(b);
          return false;
        }
        throw new MemcachedStatusError(r.status, `create index bucket ${b.bucket}`);
      });
    }

    // Appending would make the bucket larger than the server's item size: compact, try once more.
    for (const b of oversized) {
      await this.compact(b.bucket);
      const [r] = await this.#transport.send([
        { key: this.#encoder.bucketKey(b.bucket), opcode: Opcode.APPENDQ, value: [b.entries] },
      ]);
      if (r !== undefined) {
        throw new SessionKVError(
          ErrorCode.STORE_MISCONFIGURED,
          `the keys() index bucket ${b.bucket} is full (${r.status === Status.VALUE_TOO_LARGE ? "larger than the server's item size" : `status ${r.status}`}); ` +
            "raise the server's item size (-I) for this many keys",
        );
      }
    }

    for (const bucket of toCompact) {
      // Best effort: the write itself has succeeded; a failed compaction is retried later.
      await this.compact(bucket).catch(() => undefined);
    }
  }

  /** Distinct keys recorded under `prefix`: candidates, not yet confirmed against the data. */
  async candidates(prefix: string): Promise<string[]> {
    const buckets = await this.#readBuckets();
    const found = new Set<string>();
    for (const bytes of buckets) {
      if (bytes === undefined) continue;
      for (const key of decodeEntries(bytes)) if (key.startsWith(prefix)) found.add(key);
    }
    return [...found];
  }

  /** Rewrites a bucket with one entry per live key; CAS guarantees no concurrent append is lost. */
  async compact(bucket: number): Promise<void> {
    const bucketKey = this.#encoder.bucketKey(bucket);
    const kept = new Set<string>();
    let seen: Buffer | undefined;
    for (let attempt = 0; attempt < COMPACT_ATTEMPTS; attempt++) {
      const [read] = await this.#transport.send([{ key: bucketKey, opcode: Opcode.GETK }]);
      if (read === undefined) throw new Error("no reply to an index bucket read");
      if (read.status === Status.KEY_NOT_FOUND) return this.#resetCounter(bucket, 0);
      if (read.status !== Status.OK)
        throw new MemcachedStatusError(read.status, `read index bucket ${bucket}`);

      // After a lost race only the entries appended since the last read need a check: appends
      // only ever add to the end, and a key re-written after our check has a newer entry there.
      const grewFromSeen =
        seen !== undefined &&
        read.value.length >= seen.length &&
        read.value.subarray(0, seen.length).equals(seen);
      if (!grewFromSeen) kept.clear();
      const fresh = unique(decodeEntries(grewFromSeen ? read.value.subarray(seen!.length) : read.value));
      const live = await this.#live(fresh);
      for (const key of fresh) if (live.has(key)) kept.add(key);

      const [written] = await this.#transport.send([
        {
          key: bucketKey,
          opcode: Opcode.SET,
          extras: storageExtras(0),
          cas: read.cas,
          value: [encodeEntries(kept)],
        },
      ]);
      if (written === undefined) throw new Error("no reply to an index bucket write");
      if (written.status === Status.OK) return this.#resetCounter(bucket, kept.size);
      if (written.status === Status.KEY_NOT_FOUND) return; // evicted meanwhile: nothing left to compact
      if (written.status !== Status.KEY_EXISTS)
        throw new MemcachedStatusError(written.status, `write index bucket ${bucket}`);
      seen = read.value; // somebody appended meanwhile: check the new tail and try again
    }
  }

  /** Sizes of the bucket items (diagnostics, and the tests that check the index bound). */
  async stats(): Promise<IndexStats> {
    const buckets = await this.#readBuckets();
    let bytes = 0;
    let entries = 0;
    let largestBucketBytes = 0;
    for (const b of buckets) {
      if (b === undefined) continue;
      bytes += b.length;
      entries += decodeEntries(b).length;
      largestBucketBytes = Math.max(largestBucketBytes, b.length);
    }
    return { buckets: INDEX_BUCKETS, bytes, entries, largestBucketBytes };
  }

  async #readBuckets(): Promise<(Buffer | undefined)[]> {
    const replies = await this.#transport.send(
      Array.from({ length: INDEX_BUCKETS }, (_, b) => ({
        key: this.#encoder.bucketKey(b),
        opcode: Opcode.GETKQ,
      })),
    );
    return replies.map((r, b) => {
      if (r === undefined) return undefined;
      if (r.status !== Status.OK) throw new MemcachedStatusError(r.status, `read index bucket ${b}`);
      return r.value;
    });
  }

  async #resetCounter(bucket: number, entries: number): Promise<void> {
    // Increments racing this reset are forgotten; that only shifts the next compaction.
    const room = Math.max(MIN_COMPACT_ENTRIES, entries);
    await this.#transport.send([
      {
        key: this.#encoder.counterKey(bucket),
        opcode: Opcode.SETQ,
        extras: storageExtras(0),
        value: [Buffer.from(String(COUNTER_BASE - room), "latin1")],
      },
    ]);
  }
}

/** Did an increment by `count` that ended at `after` cross the trigger (or a retry step past it)? */
function crossed(after: number, count: number): boolean {
  const before = after - count;
  if (after < COUNTER_BASE) return false;
  if (before < COUNTER_BASE) return true;
  return (
    Math.floor((after - COUNTER_BASE) / RETRY_EVERY) !== Math.floor((before - COUNTER_BASE) / RETRY_EVERY)
  );
}

function encodeEntry(key: string): Buffer {
  const bytes = Buffer.from(key, "utf8");
  const entry = Buffer.allocUnsafe(2 + bytes.length);
  entry.writeUInt16BE(bytes.length, 0);
  bytes.copy(entry, 2);
  return entry;
}

function encodeEntries(keys: Iterable<string>): Buffer {
  return Buffer.concat([...keys].map(encodeEntry));
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
