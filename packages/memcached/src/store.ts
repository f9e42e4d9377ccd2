import { ErrorCode, type MsetEntry, SessionKVError, type StoreCapabilities } from "@sessionkv/core";
import {
  BaseSessionKVStore,
  type StoreTarget,
  deadlineFor,
  deadlineNow,
  sleep,
} from "@sessionkv/core/store-kit";
import { Claims } from "./claims.js";
import { openClient } from "./client.js";
import { Coalescer } from "./coalesce.js";
import { type EncodedKey, EncodedKeys } from "./encoded-keys.js";
import { encodeEnvelope, liveValueOf, storedDeadline, withDeadline } from "./envelope.js";
import { classifyMemcachedError } from "./errors.js";
import { exptimeFor } from "./exptime.js";
import { KeyEncoder } from "./key-encoding.js";
import type { IndexStats } from "./key-index.js";
import { ListingIndex } from "./listing-index.js";
import { type MemjsClientInternals, checkMemjsInternals } from "./memjs-internals.js";
import { MAX_KEY_BYTES, type MemcachedSessionKVStoreOptions, resolveOptions, secretsOf } from "./options.js";
import { type Command, MemcachedStatusError, Opcode, Status, storageExtras } from "./protocol.js";
import { type PartialReplies, Transport } from "./transport.js";

const NONE: ReadonlySet<number> = new Set();

/** CAS rounds before a key that keeps changing under `expire`/`onlyIfExists` is reported as contended. */
const CAS_ROUNDS = 50;

type CasTarget = EncodedKey;

export class MemcachedSessionKVStore extends BaseSessionKVStore {
  readonly capabilities: StoreCapabilities;
  readonly #client: MemjsClientInternals;
  readonly #ownsClient: boolean;
  readonly #transport: Transport;
  readonly #encoder: KeyEncoder;
  readonly #keyPrefix: string;
  readonly #keys: EncodedKeys;
  readonly #index: ListingIndex;
  readonly #claims: Claims;
  readonly #secrets: readonly string[];
  readonly #writes = new Coalescer<MsetEntry>((calls) => this.#writeNow(calls));

  constructor(options: MemcachedSessionKVStoreOptions) {
    super(options ?? {});
    const resolved = resolveOptions(options);
    this.capabilities = Object.freeze({
      // Exact deadlines travel with the values and every read path filters on them, so
      // visibility is millisecond-exact although the server's clock ticks in seconds.
      ttlResolutionMs: 1,
      minTtlMs: 1,
      expiryLagMs: 0,
      maxValueBytes: resolved.maxValueBytes,
      maxKeyBytes: MAX_KEY_BYTES,
      // A partition's keys are listed from its own bucket item (README, "The keys() index").
      partitionListing: "indexed",
    });
    this.#secrets = secretsOf(resolved);
    this.#encoder = new KeyEncoder(resolved.keyPrefix);
    this.#keyPrefix = resolved.keyPrefix;
    this.#keys = new EncodedKeys(this.#encoder);
    const { client, owned } = openClient(resolved, this.operationTimeoutMs);
    this.#client = client;
    this.#ownsClient = owned;
    this.#transport = new Transport(this.#client, this.operationTimeoutMs);
    this.#index = new ListingIndex(this.#transport, this.#encoder, (keys) => this.#liveKeys(keys, true));
    this.#claims = new Claims(this.#transport, this.#index);
  }

  protected override diagnosticsTarget(): StoreTarget {
    return { backend: "memcached", namespace: this.#keyPrefix };
  }

  protected override secrets(): readonly string[] {
    return this.#secrets;
  }

  protected override classifyError(error: unknown, operation: string): SessionKVError {
    return classifyMemcachedError(error, operation);
  }

  protected async doStart(): Promise<void> {
    checkMemjsInternals(this.#client);
    await this.#transport.ping();
  }

  protected async doClose(): Promise<void> {
    if (this.#ownsClient) this.#client.close();
  }

  protected doSet(key: string, value: Uint8Array, ttlMs: number, onlyIfExists: boolean): Promise<void> {
    // Not async: a plain set returns the write's own promise, one hop less per call.
    return onlyIfExists ? this.#setIfExists(key, value, ttlMs) : this.#write([{ key, value, ttlMs }]);
  }

  async #setIfExists(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    const now = deadlineNow();
    const expiresAtMs = deadlineFor(ttlMs, now);
    await this.#compareAndSet([this.#target(key)], (stored, target) => {
      const current = storedDeadline(stored, target.keyBytes);
      if (current === null || current <= deadlineNow()) return null; // missing or expired: left absent
      return {
        value: encodeEnvelope(target.head, value, expiresAtMs),
        exptime: exptimeFor(expiresAtMs, deadlineNow()),
      };
    });
  }

  protected doSetIfAbsent(key: string, value: Uint8Array, ttlMs: number): Promise<boolean> {
    return this.#claims.setIfAbsent(this.#target(key), value, ttlMs);
  }

  protected doDeleteIfEquals(key: string, value: Uint8Array): Promise<boolean> {
    return this.#claims.deleteIfEquals(this.#target(key), value);
  }

  protected async doMset(entries: readonly MsetEntry[]): Promise<void> {
    return this.#write(entries);
  }

  protected async doGet(key: string): Promise<Uint8Array | null> {
    const [value] = await this.doMget([key]);
    return value ?? null;
  }

  protected async doMget(keys: readonly string[]): Promise<(Uint8Array | null)[]> {
    const targets = keys.map((key) => this.#target(key));
    // A key whose server is down reads as absent (README, "Pools"); all of them down rejects.
    const stored = await this.#read(targets);
    const now = deadlineNow();
    return stored.map((bytes, i) => (bytes == null ? null : liveValueOf(bytes, targets[i]!.keyBytes, now)));
  }

  /**
   * Not Memcached's `touch`: it would move the server's expiry but not the exact deadline kept
   * in the value, which reads obey. The value is rewritten with its new deadline under the CAS
   * it was read with, so a concurrent `set` is never overwritten (the CAS no longer matches:
   * read again, extend the new value) and a concurrent `delete` is never undone (a CAS write
   * to a deleted item fails with "not found").
   */
  protected async doExpire(keys: readonly string[], ttlMs: number): Promise<void> {
    const expiresAtMs = deadlineFor(ttlMs, deadlineNow());
    await this.#compareAndSet(
      keys.map((key) => this.#target(key)),
      (stored, target) => {
        const now = deadlineNow();
        const current = storedDeadline(stored, target.keyBytes);
        if (current === null || current <= now) return null; // missing or expired: never resurrected
        const next = withDeadline(stored, target.keyBytes, expiresAtMs);
        return next === null ? null : { value: next, exptime: exptimeFor(expiresAtMs, now) };
      },
    );
  }

  protected async doKeys(prefix: string): Promise<string[]> {
    const candidates = await this.#index.candidates(prefix);
    return [...(await this.#liveKeys(candidates, false))];
  }

  protected async doDelete(keys: readonly string[]): Promise<void> {
    // Index entries stay behind: keys() confirms every entry against the data, and compaction
    // drops them. A key whose server is down is skipped (README, "Pools").
    const { replies } = await this.#transport.sendPartial(
      keys.map((key) => ({ key: this.#keys.of(key).dataKey, opcode: Opcode.DELETEQ })),
    );
    for (const reply of replies) {
      if (reply !== undefined && reply.status !== Status.KEY_NOT_FOUND)
        throw new MemcachedStatusError(reply.status, "delete");
    }
  }

  /** Size of the keys() index of this namespace (diagnostics; see README for the bound). */
  async indexStats(): Promise<IndexStats> {
    if (!this.started)
      throw new SessionKVError(ErrorCode.STORE_NOT_STARTED, "indexStats() needs a started store");
    return this.#index.stats();
  }

  #target(key: string): CasTarget {
    return this.#keys.of(key);
  }

  /** Concurrent writes share a pipeline and their index appends (coalesce.ts). */
  #write(entries: readonly MsetEntry[]): Promise<void> {
    return this.#writes.submit(entries);
  }

  /**
   * Data first, index second: an index entry never precedes its data (see key-index.ts). In a
   * pool with a server down, the entries on live servers are written and indexed, then the
   * calls with an entry on the down server reject (README, "Pools"). Returns each call's error.
   */
  async #writeNow(calls: readonly (readonly MsetEntry[])[]): Promise<unknown[]> {
    const now = deadlineNow();
    const entries = calls.length === 1 ? calls[0]! : calls.flat();
    const callOf = calls.length === 1 ? undefined : calls.flatMap((call, c) => call.map(() => c));
    const data: Command[] = entries.map(({ key, value, ttlMs }) => {
      const expiresAtMs = deadlineFor(ttlMs, now);
      const encoded = this.#keys.of(key);
      return {
        key: encoded.dataKey,
        opcode: Opcode.SETQ,
        extras: storageExtras(exptimeFor(expiresAtMs, now)),
        value: encodeEnvelope(encoded.head, value, expiresAtMs),
      };
    });
    let written: PartialReplies;
    let indexed: boolean;
    if (this.#transport.serverCount === 1) {
      // One server answers one connection's requests in order, so data and index go in one
      // pipeline without breaking "data first".
      const plan = this.#index.plan(entries.map((e) => e.key));
      const sent = await this.#transport.send(data.concat(plan.commands));
      written = { replies: sent.slice(0, data.length), unreachable: NONE };
      const finished = this.#index.finish(plan, sent.slice(data.length));
      indexed = typeof finished === "boolean" ? finished : await finished;
    } else {
      written = await this.#transport.sendPartial(data);
      const reached = entries.filter((_, i) => !written.unreachable.has(i)).map((e) => e.key);
      const plan = this.#index.plan(reached);
      const sent = await this.#transport.sendPartial(plan.commands);
      indexed = await this.#index.finish(plan, sent.replies, sent.unreachable);
    }
    const errors = new Array<unknown>(calls.length).fill(undefined);
    const fail = (c: number, error: unknown) => {
      errors[c] ??= error;
    };
    written.replies.forEach((reply, i) => {
      const c = callOf?.[i] ?? 0;
      if (written.unreachable.has(i)) return fail(c, written.error);
      if (reply === undefined) return;
      fail(
        c,
        reply.status === Status.VALUE_TOO_LARGE
          ? new SessionKVError(
              ErrorCode.VALUE_TOO_LARGE,
              "the server refused the value as larger than its item size (-I)",
              { cause: new MemcachedStatusError(reply.status, "set") },
            )
          : new MemcachedStatusError(reply.status, "set"),
      );
    });
    if (!indexed) {
      const down = new Error("the keys() index could not be updated: a server is down");
      for (let c = 0; c < calls.length; c++) fail(c, down);
    }
    return errors;
  }

  /** Stored item bytes per target (`undefined` where absent); one pipelined GETKQ batch per server. */
  async #read(targets: readonly CasTarget[], strict = false): Promise<(Buffer | null | undefined)[]> {
    const commands = targets.map((t): Command => ({ key: t.dataKey, opcode: Opcode.GETKQ }));
    const { replies, unreachable } = strict
      ? { replies: await this.#transport.send(commands), unreachable: new Set<number>() }
      : await this.#transport.sendPartial(commands);
    return replies.map((reply, i) => {
      if (unreachable.has(i)) return null;
      if (reply === undefined) return undefined;
      if (reply.status !== Status.OK) throw new MemcachedStatusError(reply.status, "get");
      return reply.value;
    });
  }

  /**
   * The keys whose data is live. With `keepUnreachable` (compaction), also those whose server
   * is down; without (keys()), a server that does not answer rejects the whole listing: a
   * listing that silently lacks keys would read as sessions gone.
   */
  async #liveKeys(keys: readonly string[], keepUnreachable: boolean): Promise<Set<string>> {
    const targets = keys.map((key) => this.#target(key));
    const stored = await this.#read(targets, !keepUnreachable).catch((error: unknown) => {
      if (keepUnreachable && !(error instanceof MemcachedStatusError)) return targets.map(() => null);
      throw error;
    });
    const now = deadlineNow();
    const live = new Set<string>();
    stored.forEach((bytes, i) => {
      if (bytes === null && keepUnreachable) live.add(targets[i]!.key);
      if (bytes == null) return;
      const deadline = storedDeadline(bytes, targets[i]!.keyBytes);
      if (deadline !== null && deadline > now) live.add(targets[i]!.key);
    });
    return live;
  }

  /**
   * Read with CAS, decide, write under that CAS; a CAS conflict (someone wrote in between)
   * means read again. No read-then-write window: a write between our read and ours makes ours
   * fail instead of undoing it.
   *
   * The keys written (the registry's heartbeats) are appended to the index again, their scopes
   * to the directory: an index item lost with a restarted server, or evicted, is rebuilt by
   * the next refresh of each key it listed. With one server the entries ride in the write's pipeline, after the data.
   * Best effort: the refresh itself has succeeded.
   */
  async #compareAndSet(
    targets: readonly CasTarget[],
    next: (stored: Buffer, target: CasTarget) => { value: readonly Uint8Array[]; exptime: number } | null,
  ): Promise<void> {
    const written: string[] = [];
    const pipelined = this.#transport.serverCount === 1;
    let pending = targets;
    for (let round = 0; pending.length > 0; round++) {
      if (round === CAS_ROUNDS) {
        throw new SessionKVError(
          ErrorCode.STORE_UNAVAILABLE,
          `${pending.length} key(s) kept changing during ${CAS_ROUNDS} CAS rounds`,
        );
      }
      if (round > 0) await sleep(Math.random() * Math.min(round, 10));
      // A key whose server is down is skipped, like a missing one (README, "Pools").
      const { replies } = await this.#transport.sendPartial(
        pending.map((t) => ({ key: t.dataKey, opcode: Opcode.GETKQ })),
      );
      const writes: Command[] = [];
      const writing: CasTarget[] = [];
      pending.forEach((target, i) => {
        const reply = replies[i];
        if (reply === undefined) return;
        if (reply.status !== Status.OK) throw new MemcachedStatusError(reply.status, "get");
        const item = next(reply.value, target);
        if (item === null) return;
        writes.push({
          key: target.dataKey,
          opcode: Opcode.SETQ,
          extras: storageExtras(item.exptime),
          cas: reply.cas,
          value: item.value,
        });
        writing.push(target);
      });
      if (writes.length === 0) break;
      const plan = pipelined
        ? this.#index.plan(
            writing.map((t) => t.key),
            true,
          )
        : undefined;
      const sent = await this.#transport.sendPartial(
        plan === undefined ? writes : [...writes, ...plan.commands],
      );
      const { replies: results, unreachable } = sent;
      if (plan !== undefined) {
        try {
          await this.#index.finish(plan, results.slice(writes.length));
        } catch {
          // Best effort (see above).
        }
      }
      const conflicts: CasTarget[] = [];
      writing.forEach((target, i) => {
        const result = results[i];
        if (unreachable.has(i)) return;
        if (result === undefined) written.push(target.key);
        else if (result.status === Status.KEY_EXISTS) conflicts.push(target);
        else if (result.status !== Status.KEY_NOT_FOUND)
          throw new MemcachedStatusError(result.status, "set with CAS");
      });
      pending = conflicts;
    }
    if (!pipelined) await this.#index.record(written, true).catch(() => undefined);
  }
}
