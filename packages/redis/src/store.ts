import { ErrorCode, type MsetEntry, SessionKVError, type StoreCapabilities } from "@sessionkv/core";
import {
  BaseSessionKVStore,
  NotificationHub,
  type StoreTarget,
  chunk,
  copyBytes,
  partitionOf,
} from "@sessionkv/core/store-kit";
import type { Redis } from "ioredis";
import { claimed, deleteIfEquals } from "./claims.js";
import { disconnect, openClient, passwordsOf } from "./client.js";
import { classifyRedisError, isAccessRefusal } from "./errors.js";
import { prefixPattern } from "./glob.js";
import { type ListingMode, isReserved, refuseReserved } from "./listing.js";
import { redisTransport, subscriberName } from "./notifications.js";
import { type RedisSessionKVStoreOptions, resolveOptions } from "./options.js";
import { whenReady } from "./readiness.js";
import { type Batch, SessionIndex, execBatch } from "./session-index.js";
import { type RedisClient, type Topology, isCluster, topologyOf } from "./topology.js";

/**
 * Capabilities. Redis keeps TTLs in milliseconds and never returns an expired key (GET, MGET
 * and SCAN check expiry on access, whatever the background expiry cycle has done), so the only
 * lag is the server's cached clock and the trip back to the client: a few milliseconds.
 * Sizes are choices, not server limits (a string may hold 512 MB): 16 MiB values keep one
 * command from stalling a shared server, 16 KiB keys are far beyond any session key.
 * These are the default `listing: "index"`'s; the other modes list every prefix by SCAN, so they
 * declare `partitionListing: "scan"`.
 */
export const REDIS_CAPABILITIES: StoreCapabilities = Object.freeze({
  ttlResolutionMs: 1,
  minTtlMs: 1,
  expiryLagMs: 10,
  maxValueBytes: 16 * 1024 * 1024,
  maxKeyBytes: 16 * 1024,
  partitionListing: "indexed",
});

const SCAN_LISTING_CAPABILITIES: StoreCapabilities = Object.freeze({
  ...REDIS_CAPABILITIES,
  partitionListing: "scan",
});

/** What a prepared key set carries (core README, "Prepared key sets"): the work of every call on it. */
interface RedisPreparedKeys {
  /** The keys with `keyPrefix` prepended. */
  readonly full: readonly string[];
  /** `full` split into multi-key commands. */
  readonly batches: readonly string[][];
}

/** Keys per MGET / DEL: large enough to amortise the round trip, small enough not to block the server. */
const KEYS_PER_COMMAND = 1_000;
/** Keys SCAN inspects per call: fewer round trips than the default 10, still short server pauses. */
const SCAN_COUNT = 1_000;
/** PX must be a positive integer; TTLs beyond this (285,000 years) are "forever" in practice. */
const MAX_PX = Number.MAX_SAFE_INTEGER;

export class RedisSessionKVStore extends BaseSessionKVStore<RedisPreparedKeys> {
  readonly capabilities: StoreCapabilities;
  // MGET answers every position with its own Buffer; PEXPIRE and DEL take repeats as they come.
  protected override readonly acceptsRepeatedKeys = true;
  /**
   * The ioredis client (created from `url`, or the one given). Private behind a getter: its
   * options hold the password, and `JSON.stringify` and `structuredClone` copy own fields.
   */
  readonly #client: RedisClient;
  readonly keyPrefix: string;
  /** How `keys()` lists (README, "Listing"). */
  readonly listing: ListingMode;
  /**
   * PUBLISH/SUBSCRIBE in the namespace `{keyPrefix}notify/` (README, "Notifications"); undefined
   * with `notifications: false`.
   */
  readonly notifications: NotificationHub | undefined;
  /** CLIENT SETNAME of the subscriber connection (unique per store), or undefined without notifications. */
  readonly subscriberName: string | undefined;
  readonly #owned: boolean;
  readonly #topology: Topology;
  readonly #pattern: string;
  readonly #secrets: readonly string[];
  /** The listing index, kept up to date by every write unless listing is "scan". */
  readonly #index: SessionIndex | null;

  constructor(options: RedisSessionKVStoreOptions) {
    super(options ?? {});
    const resolved = resolveOptions(options);
    const { keyPrefix } = resolved;
    this.keyPrefix = keyPrefix;
    this.#pattern = prefixPattern(keyPrefix);
    const { client, owned } = openClient(resolved, this.operationTimeoutMs);
    this.#client = client;
    this.#owned = owned;
    // Our own client reports connection trouble through the operations; without a listener
    // ioredis would also print every reconnection error to the console.
    if (this.#owned) this.client.on("error", (error: unknown) => this.#noteRefusal(error));
    if (this.#owned) this.client.on("ready", () => this.#noteRefusal(null));
    this.#topology = topologyOf(this.client);
    this.#secrets = passwordsOf(resolved.url, this.client);
    this.listing = resolved.listing;
    this.#index = this.listing === "scan" ? null : new SessionIndex(this.client, this.#topology, keyPrefix);
    this.capabilities = this.listing === "index" ? REDIS_CAPABILITIES : SCAN_LISTING_CAPABILITIES;
    this.subscriberName = resolved.notifications ? subscriberName() : undefined;
    this.notifications =
      this.subscriberName !== undefined
        ? new NotificationHub({
            namespace: `${keyPrefix}notify/`,
            operationTimeoutMs: this.operationTimeoutMs,
            classifyError: (error, operation) => this.classifyError(error, operation),
            secrets: () => this.#secrets,
            transport: redisTransport(this.client, this.operationTimeoutMs, this.subscriberName),
          })
        : undefined;
  }

  /**
   * What `util.inspect` and `console.log` show: the public `client` carries the password in its
   * options, so the default inspection of the store would print it (README, "Options").
   */
  [Symbol.for("nodejs.util.inspect.custom")](
    _depth: number,
    options: object,
    show: (value: unknown, options: object) => string,
  ): string {
    const client = `${isCluster(this.client) ? "Cluster" : "Redis"} (${this.client.status})`;
    return `RedisSessionKVStore ${show({ keyPrefix: this.keyPrefix, listing: this.listing, client }, options)}`;
  }

  get client(): RedisClient {
    return this.#client;
  }

  override toJSON(): object {
    return { ...super.toJSON(), keyPrefix: this.keyPrefix, listing: this.listing };
  }

  /**
   * A cluster has no one server to name, nor has a Sentinel client (its master moves): their spans
   * carry the backend and the prefix only.
   */
  protected override diagnosticsTarget(): StoreTarget {
    if (isCluster(this.client)) return { backend: "redis", namespace: this.keyPrefix };
    const { host, port, sentinels } = (this.client as Redis).options;
    if (sentinels != null && sentinels.length > 0) return { backend: "redis", namespace: this.keyPrefix };
    return { backend: "redis", namespace: this.keyPrefix, serverAddress: host, serverPort: port };
  }

  protected override secrets(): readonly string[] {
    return this.#secrets;
  }

  /**
   * The last access refusal of our client's reconnections (a password changed or an ACL user
   * disabled while running), until it is ready again. Commands then fail as "offline"; the
   * refusal says why, so they are reported as ERR_STORE_MISCONFIGURED, not as an outage.
   */
  #refusal: Error | null = null;

  #noteRefusal(error: unknown): void {
    if (error === null) this.#refusal = null;
    else if (isAccessRefusal(error)) this.#refusal = error;
  }

  protected override classifyError(error: unknown, operation: string): SessionKVError {
    const shaped = classifyRedisError(error, operation);
    const refusal = this.#refusal;
    if (shaped.code !== ErrorCode.STORE_UNAVAILABLE || refusal === null) return shaped;
    return new SessionKVError(
      ErrorCode.STORE_MISCONFIGURED,
      `${operation} failed: the server refuses the store's credentials (${refusal.message})`,
      { cause: refusal },
    );
  }

  protected async doStart(): Promise<void> {
    await whenReady(this.client, this.operationTimeoutMs);
    await this.#index?.syncClock();
    await this.notifications?.start();
  }

  protected async doClose(): Promise<void> {
    // The subscriber connection is the store's own, even on a caller's client.
    await this.notifications?.stop();
    if (this.#owned) await disconnect(this.client);
  }

  protected async doSet(key: string, value: Uint8Array, ttlMs: number, onlyIfExists: boolean): Promise<void> {
    refuseReserved([key], "key");
    const k = this.keyPrefix + key;
    if (this.#index !== null && partitionOf(key) !== undefined) {
      const queue = (batch: Batch): void => {
        if (onlyIfExists) batch.set(k, payload(value), "PX", px(ttlMs), "XX");
        else batch.set(k, payload(value), "PX", px(ttlMs));
      };
      return this.#index.write(
        [key],
        (item) => item,
        () => px(ttlMs),
        queue,
      );
    }
    if (onlyIfExists) await this.client.set(k, payload(value), "PX", px(ttlMs), "XX");
    else await this.client.set(k, payload(value), "PX", px(ttlMs));
  }

  protected async doSetIfAbsent(key: string, value: Uint8Array, ttlMs: number): Promise<boolean> {
    refuseReserved([key], "key");
    const k = this.keyPrefix + key;
    // SET NX never sees an expired key (Redis checks expiry on access): it is claimable.
    if (this.#index !== null && partitionOf(key) !== undefined)
      return claimed(
        await this.#index.writeOne(key, px(ttlMs), (batch) =>
          batch.set(k, payload(value), "PX", px(ttlMs), "NX"),
        ),
      );
    return claimed(await this.client.set(k, payload(value), "PX", px(ttlMs), "NX"));
  }

  protected async doDeleteIfEquals(key: string, value: Uint8Array): Promise<boolean> {
    refuseReserved([key], "key");
    return deleteIfEquals(this.client, this.keyPrefix + key, payload(value));
  }

  protected async doMset(entries: readonly MsetEntry[]): Promise<void> {
    refuseReserved(
      entries.map((entry) => entry.key),
      "entries",
    );
    const queue = (batch: Batch, group: readonly MsetEntry[]): void => {
      for (const { key, value, ttlMs } of group)
        batch.set(this.keyPrefix + key, payload(value), "PX", px(ttlMs));
    };
    if (this.#index !== null)
      return this.#index.write(
        entries,
        (entry) => entry.key,
        (entry) => px(entry.ttlMs),
        queue,
      );
    await this.#pipelined(entries, (entry) => entry.key, queue);
  }

  /** `queue` run on one pipeline per hash slot (one pipeline on one server), sent concurrently. */
  async #pipelined<T>(
    items: readonly T[],
    keyOf: (item: T) => string,
    queue: (batch: Batch, group: readonly T[]) => void,
  ): Promise<void> {
    const groups = this.#topology.partition(items, (item) => this.keyPrefix + keyOf(item));
    await Promise.all(
      groups.map((group) => {
        const pipeline = this.client.pipeline();
        queue(pipeline, group);
        return execBatch(pipeline);
      }),
    );
  }

  protected doGet(key: string): Promise<Uint8Array | null> {
    return this.client.getBuffer(this.keyPrefix + key).then(bytes);
  }

  /** The keys with `keyPrefix` prepended. */
  #full(keys: readonly string[]): string[] {
    const full = new Array<string>(keys.length);
    for (let i = 0; i < keys.length; i++) full[i] = this.keyPrefix + keys[i];
    return full;
  }

  // A heartbeat reads and refreshes the same keys every cycle: prefixing 20,000 keys and
  // splitting them into commands each time was a measurable share of its client CPU.
  protected override doPrepare(keys: readonly string[]): RedisPreparedKeys {
    refuseReserved(keys, "keys");
    const full = this.#full(keys);
    return { full, batches: this.#batches(full) };
  }

  protected doMget(keys: readonly string[], prepared?: RedisPreparedKeys): Promise<(Uint8Array | null)[]> {
    const full = prepared?.full ?? this.#full(keys);
    const batches = prepared?.batches ?? this.#batches(full);
    // The common case, one MGET, without the bookkeeping of several.
    if (batches.length === 1)
      return this.client
        .mgetBuffer(batches[0] as string[])
        .then((values) => checkedReplies(values, full.length).map(bytes));
    return this.#mgetBatches(full, batches);
  }

  async #mgetBatches(full: readonly string[], batches: readonly string[][]): Promise<(Uint8Array | null)[]> {
    const replies = await Promise.all(batches.map((batch) => this.client.mgetBuffer(batch)));
    if (inOrder(full, batches)) {
      // Standalone: the batches are consecutive slices of `full`, so the replies line up without a
      // map of 10,000s of keys (a heartbeat's read of every session and close flag).
      const out = new Array<Uint8Array | null>(full.length);
      let at = 0;
      batches.forEach((batch, b) => {
        for (const value of checkedReplies(replies[b], batch.length)) out[at++] = bytes(value);
      });
      return out;
    }
    const byKey = new Map<string, Uint8Array | null>();
    batches.forEach((batch, b) => {
      const values = checkedReplies(replies[b], batch.length);
      batch.forEach((key, i) => byKey.set(key, bytes(values[i] ?? null)));
    });
    // A key asked twice is answered once by the map: each repeat gets its own copy, as MGET
    // gives each position its own buffer (the contract: one may be mutated without the other).
    const handedOut = new Set<string>();
    return full.map((key) => {
      const value = byKey.get(key) ?? null;
      if (value === null || !handedOut.has(key)) {
        handedOut.add(key);
        return value;
      }
      return copyBytes(value);
    });
  }

  protected async doExpire(
    keys: readonly string[],
    ttlMs: number,
    prepared?: RedisPreparedKeys,
  ): Promise<void> {
    if (prepared === undefined) refuseReserved(keys, "keys");
    const ms = px(ttlMs);
    // PEXPIRE on a missing or expired key returns 0 and creates nothing: no existence check needed.
    const queue = (batch: Batch, group: readonly string[]): void => {
      // One server gets the whole set in one batch, already prefixed when it was prepared.
      const full = group === keys && prepared !== undefined ? prepared.full : this.#full(group);
      for (const key of full) batch.pexpire(key, ms);
    };
    if (this.#index !== null)
      return this.#index.write(
        keys,
        (key) => key,
        () => ms,
        queue,
        // A MULTI costs the client a QUEUED reply per command, a second round trip costs a fixed
        // wait: the first weighs more on a heartbeat of thousands of keys (a tenth of its client
        // CPU at 10,000), the second on a small refresh (100 keys over 100 partitions: 2.5-3.4x
        // raw in one MULTI, 3.5-4.7x in two round trips). Both keep entry-before-record.
        keys.length <= KEYS_PER_COMMAND,
      );
    await this.#pipelined(keys, (key) => key, queue);
  }

  protected async doKeys(prefix: string): Promise<string[]> {
    const partition = partitionOf(prefix);
    if (this.listing === "index" && partition !== undefined && this.#index !== null)
      return this.#index.list(partition, prefix);
    return this.#scan(prefix);
  }

  async #scan(prefix: string): Promise<string[]> {
    const pattern = prefix === "" ? this.#pattern : prefixPattern(this.keyPrefix + prefix);
    const nodes = await this.#topology.scanNodes();
    const perNode = await Promise.all(nodes.map((node) => scanAll(node, pattern)));
    const strip = this.keyPrefix.length;
    const found: string[] = [];
    for (const keys of perNode)
      for (const key of keys) {
        const own = key.slice(strip);
        // The index's own sorted sets share the namespace; they are not records.
        if (!isReserved(own)) found.push(own);
      }
    return found;
  }

  protected async doDelete(keys: readonly string[], prepared?: RedisPreparedKeys): Promise<void> {
    // Index entries stay until their deadline passes (see SessionIndex): removing them here could
    // race with a concurrent set of the same key and leave a live record unlisted.
    if (prepared === undefined) refuseReserved(keys, "keys");
    const batches = prepared?.batches ?? this.#batches(this.#full(keys));
    // DEL rather than UNLINK: session values are small, and DEL is what restricted ACL users
    // are usually granted.
    await Promise.all(batches.map((batch) => this.client.del(batch)));
  }

  /** Full keys split for multi-key commands: by hash slot in a cluster, then by size. */
  #batches(full: readonly string[]): readonly string[][] {
    const groups = this.#topology.partition(full, (key) => key);
    return groups.length === 1 && full.length <= KEYS_PER_COMMAND
      ? [full as string[]]
      : groups.flatMap((group) => chunk(group, KEYS_PER_COMMAND));
  }
}

/**
 * A Buffer view of the caller's bytes, no copy: ioredis serialises a command into a fresh
 * buffer when it writes it. A plain Uint8Array must not reach ioredis as is, or it is sent as
 * the text "1,2,3".
 */
function payload(value: Uint8Array): Buffer {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/**
 * Replies as plain Uint8Array views (no copy). Not a Buffer: `Buffer#slice` returns a view,
 * where callers (and the base store, copying repeated mget results) rely on
 * `Uint8Array#slice` making a copy.
 */
/** Whether the batches are `full` cut in order: the same key strings, position by position. */
function inOrder(full: readonly string[], batches: readonly (readonly string[])[]): boolean {
  let at = 0;
  for (const batch of batches) for (const key of batch) if (full[at++] !== key) return false;
  return at === full.length;
}

function bytes(reply: Buffer | null): Uint8Array | null {
  return reply === null ? null : new Uint8Array(reply.buffer, reply.byteOffset, reply.byteLength);
}

/** Whole milliseconds, rounded up: `PX 0` is an error and rounding down would expire early. */
function px(ttlMs: number): number {
  return Math.min(Math.ceil(ttlMs), MAX_PX);
}

function checkedReplies(values: (Buffer | null)[] | undefined, expected: number): (Buffer | null)[] {
  if (values === undefined || values.length !== expected) {
    throw new SessionKVError(
      ErrorCode.STORE_PROTOCOL,
      `MGET returned ${values?.length ?? 0} values for ${expected} keys`,
    );
  }
  return values;
}

/** Every key of one node matching `pattern`. SCAN may return a key twice; the base removes repeats. */
async function scanAll(node: RedisClient, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await node.scan(cursor, "MATCH", pattern, "COUNT", SCAN_COUNT);
    for (const key of keys) found.push(key);
    cursor = next;
  } while (cursor !== "0");
  return found;
}
