import { copyBytes, unique } from "./batch.js";
import {
  type StoreTarget,
  storeOperationChannel,
  traceStoreOperation,
} from "./diagnostics/store-channels.js";
import { ErrorCode, SessionKVError } from "./errors.js";
import { Lifecycle, storeLifecycleErrors } from "./lifecycle.js";
import { type KeySet, type PreparedContents, PreparedKeySet, type PreparedKeys } from "./prepared-keys.js";
import { redactError, redactText } from "./redact.js";
import { withTimeout } from "./timeout.js";
import type { MsetEntry, SessionKVStore, SetOptions, StoreCapabilities } from "./types.js";
import {
  validateEntries,
  validateKey,
  validateKeys,
  validatePositiveMs,
  validatePrefix,
  validateSetOptions,
  validateTtlMs,
  validateValue,
} from "./validate.js";

export interface BaseStoreOptions {
  /** Upper bound for every operation, `start()` included. Default 5000 ms. */
  readonly operationTimeoutMs?: number;
}

export const DEFAULT_OPERATION_TIMEOUT_MS = 5_000;

/**
 * Validation, lifecycle and error shaping shared by every backend, so that each one rejects
 * bad input identically and before any I/O. A backend implements only the `do*` methods and
 * receives arguments that are already valid, with repeated keys already collapsed.
 *
 * Order of checks: arguments first, then lifecycle. Bad input is reported as such even on a
 * closed store, which is also how the conformance suite proves validation does no I/O.
 */
export abstract class BaseSessionKVStore<Prepared = undefined> implements SessionKVStore {
  abstract readonly capabilities: StoreCapabilities;

  /**
   * A backend whose `doMget` answers every position (with its own buffer) and whose
   * `doExpire`/`doDelete` tolerate repeats sets this, and skips the de-duplication pass
   * (a Set over the batch: a measurable share of an in-memory or pipelined batch).
   */
  protected readonly acceptsRepeatedKeys: boolean = false;
  /**
   * An in-process store, which cannot hang, sets this and skips the per-operation timeout race
   * (a timer per call: a measurable share of an in-memory operation).
   */
  protected readonly cannotHang: boolean = false;
  /** Bounds every operation; backends derive their drivers' own timeouts from it. */
  protected readonly operationTimeoutMs: number;
  readonly #lifecycle = new Lifecycle(storeLifecycleErrors);
  /** Asked once, on the first operation a diagnostics subscriber sees. */
  #target: StoreTarget | undefined;

  constructor(options: BaseStoreOptions = {}) {
    this.operationTimeoutMs = options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
    validatePositiveMs(this.operationTimeoutMs, "operationTimeoutMs");
  }

  protected abstract doStart(): Promise<void>;
  protected abstract doClose(): Promise<void>;
  protected abstract doSet(
    key: string,
    value: Uint8Array,
    ttlMs: number,
    onlyIfExists: boolean,
  ): Promise<void>;
  /**
   * One conditional write on the server (core README, "Atomic claims"): a read followed by a
   * write lets two claimers both win. An expired-but-unreaped record counts as absent.
   */
  protected abstract doSetIfAbsent(key: string, value: Uint8Array, ttlMs: number): Promise<boolean>;
  /** One conditional delete on the server, comparing the live value byte for byte. */
  protected abstract doDeleteIfEquals(key: string, value: Uint8Array): Promise<boolean>;
  /** Entries have unique keys. Never called with `[]`. */
  protected abstract doMset(entries: readonly MsetEntry[]): Promise<void>;
  protected abstract doGet(key: string): Promise<Uint8Array | null>;
  /**
   * Keys are unique (unless `acceptsRepeatedKeys`). Never called with `[]`. One result per key,
   * same order. `prepared` is what `doPrepare` derived from these very keys, when the caller
   * passed a prepared set; `undefined` for a plain array.
   */
  protected abstract doMget(keys: readonly string[], prepared?: Prepared): Promise<(Uint8Array | null)[]>;
  /** Keys are unique (unless `acceptsRepeatedKeys`). Never called with `[]`. `prepared` as for `doMget`. */
  protected abstract doExpire(keys: readonly string[], ttlMs: number, prepared?: Prepared): Promise<void>;
  /** May return a key more than once; the base removes repeats. */
  protected abstract doKeys(prefix: string): Promise<string[]>;
  /** Keys are unique (unless `acceptsRepeatedKeys`). Never called with `[]`. `prepared` as for `doMget`. */
  protected abstract doDelete(keys: readonly string[], prepared?: Prepared): Promise<void>;

  // Prepared key sets (core README, "Prepared key sets").
  /**
   * What this backend derives once from a prepared key set (encoded keys, command batches), handed
   * back to `doMget`, `doExpire` and `doDelete` with those keys. Keys are valid and unique (unless
   * `acceptsRepeatedKeys`); it may refuse one with `ERR_INVALID_ARGUMENT`. The default derives
   * nothing: a prepared set then still saves the validation and the de-duplication.
   */
  protected doPrepare(_keys: readonly string[]): Prepared | undefined {
    return undefined;
  }

  /** Passwords and secret keys of the connection settings, removed from every surfaced error. */
  protected secrets(): readonly string[] {
    return [];
  }

  /**
   * How this store names itself on the `sessionkv:store:operation` channel (core README,
   * "Diagnostics channels"). Never keys, values or credentials. Default: backend `"custom"`.
   */
  protected diagnosticsTarget(): StoreTarget {
    return { backend: "custom" };
  }

  /** Maps a driver error to a SessionKVError. Default: the server is unavailable. */
  protected classifyError(error: unknown, operation: string): SessionKVError {
    const message = error instanceof Error ? error.message : String(error);
    return new SessionKVError(ErrorCode.STORE_UNAVAILABLE, `${operation} failed: ${message}`, {
      cause: error,
    });
  }

  get started(): boolean {
    return this.#lifecycle.started;
  }

  /**
   * What `JSON.stringify` and `util.inspect` show (core README, "Secrets"): a backend's public
   * client carries its connection settings, passwords included, and a logger that serialises
   * objects would print them. A backend may show more, never a secret.
   */
  toJSON(): object {
    const phase = this.#lifecycle.phase;
    // The store's own words for its states: a store is closed, not stopped.
    const state = phase === "stopping" || phase === "stopped" ? "closed" : phase;
    return { store: this.constructor.name, state, capabilities: this.capabilities };
  }

  [Symbol.for("nodejs.util.inspect.custom")](
    _depth: number,
    options: object,
    show: (value: unknown, options: object) => string,
  ): string {
    const { store, ...summary } = this.toJSON() as { store: string };
    return `${store} ${show(summary, options)}`;
  }

  async start(): Promise<void> {
    return this.#lifecycle.start(() => this.#run("start", () => this.doStart()));
  }

  /** Waits for a start in flight, so that the client it opens is closed too. */
  async close(): Promise<void> {
    return this.#lifecycle.stop(async ({ starting }) => {
      await starting?.catch(() => undefined);
      try {
        await this.doClose();
      } catch (error) {
        throw this.#shape(error, "close");
      }
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async set(key: string, value: Uint8Array, ttlMs: number, options?: SetOptions): Promise<void> {
    validateKey(key, this.capabilities);
    validateValue(value, this.capabilities);
    validateTtlMs(ttlMs);
    validateSetOptions(options);
    this.#assertUsable("set");
    return this.#run("set", () => this.doSet(key, value, ttlMs, options?.onlyIfExists === true));
  }

  async setIfAbsent(key: string, value: Uint8Array, ttlMs: number): Promise<boolean> {
    validateKey(key, this.capabilities);
    validateValue(value, this.capabilities);
    validateTtlMs(ttlMs);
    this.#assertUsable("setIfAbsent");
    return this.#run("setIfAbsent", () => this.doSetIfAbsent(key, value, ttlMs));
  }

  async deleteIfEquals(key: string, value: Uint8Array): Promise<boolean> {
    validateKey(key, this.capabilities);
    validateValue(value, this.capabilities);
    this.#assertUsable("deleteIfEquals");
    return this.#run("deleteIfEquals", () => this.doDeleteIfEquals(key, value));
  }

  async mset(entries: readonly MsetEntry[]): Promise<void> {
    validateEntries(entries, this.capabilities);
    this.#assertUsable("mset");
    if (entries.length === 0) return;
    const distinct = lastWins(entries);
    return this.#run("mset", () => this.doMset(distinct), distinct.length);
  }

  async get(key: string): Promise<Uint8Array | null> {
    validateKey(key, this.capabilities);
    this.#assertUsable("get");
    return this.#run("get", () => this.doGet(key));
  }

  prepare(keys: readonly string[]): PreparedKeys {
    validateKeys(keys, this.capabilities);
    this.#assertUsable("prepare");
    // A copy: the caller may change its array later, the set may not change.
    const own = Object.isFrozen(keys) ? keys : Object.freeze([...keys]);
    const distinct = this.acceptsRepeatedKeys ? own : Object.freeze(unique(own));
    let encoded: Prepared | undefined;
    try {
      encoded = distinct.length === 0 ? undefined : this.doPrepare(distinct);
    } catch (error) {
      throw this.#shape(error, "prepare");
    }
    return new PreparedKeySet(this, own, distinct, encoded);
  }

  async mget(keys: KeySet): Promise<(Uint8Array | null)[]> {
    const set = this.#keySet(keys, "mget");
    this.#assertUsable("mget");
    if (set.keys.length === 0) return [];
    const { distinct } = set;
    const values = await this.#run("mget", () => this.doMget(distinct, set.encoded), distinct.length);
    if (values.length !== distinct.length) {
      throw new SessionKVError(
        ErrorCode.STORE_PROTOCOL,
        `mget returned ${values.length} values for ${distinct.length} keys`,
      );
    }
    if (distinct === set.keys) return values;
    if (set.positions !== undefined) return fannedOut(values, set.positions);
    const byKey = new Map<string, Uint8Array | null>();
    distinct.forEach((key, i) => byKey.set(key, values[i] ?? null));
    // Repeated keys get their own copy: callers may mutate one result without touching another.
    const handedOut = new Set<string>();
    return set.keys.map((key) => {
      const value = byKey.get(key) ?? null;
      if (value === null || !handedOut.has(key)) {
        handedOut.add(key);
        return value;
      }
      return copyBytes(value);
    });
  }

  async expire(keys: KeySet, ttlMs: number): Promise<void> {
    const set = this.#keySet(keys, "expire");
    validateTtlMs(ttlMs);
    this.#assertUsable("expire");
    if (set.keys.length === 0) return;
    return this.#run("expire", () => this.doExpire(set.distinct, ttlMs, set.encoded), set.distinct.length);
  }

  async keys(prefix: string): Promise<string[]> {
    validatePrefix(prefix);
    this.#assertUsable("keys");
    const found = await this.#run("keys", () => this.doKeys(prefix));
    return [...new Set(found)];
  }

  async delete(keys: KeySet): Promise<void> {
    const set = this.#keySet(keys, "delete");
    this.#assertUsable("delete");
    if (set.keys.length === 0) return;
    return this.#run("delete", () => this.doDelete(set.distinct, set.encoded), set.distinct.length);
  }

  /**
   * A plain array validated, without repeats (unless `acceptsRepeatedKeys`); a set this store
   * prepared as it was prepared. Anything else, another store's set included, is refused.
   */
  #keySet(keys: KeySet, operation: string): PreparedContents<Prepared> {
    if (Array.isArray(keys)) {
      validateKeys(keys, this.capabilities);
      const distinct = this.acceptsRepeatedKeys ? keys : unique(keys);
      return { keys, distinct, positions: undefined, encoded: undefined };
    }
    const prepared = PreparedKeySet.openedBy<Prepared>(keys, this);
    if (prepared !== undefined) return prepared;
    const owner = PreparedKeySet.ownerOf(keys);
    if (owner === undefined) validateKeys(keys, this.capabilities);
    const closed =
      owner instanceof BaseSessionKVStore &&
      (owner.#lifecycle.phase === "stopping" || owner.#lifecycle.phase === "stopped");
    throw new SessionKVError(
      ErrorCode.INVALID_ARGUMENT,
      `keys is a key set prepared by another store${closed ? " (now closed)" : ""}; ${operation}() takes only sets this store's prepare() made`,
    );
  }

  #assertUsable(operation: string): void {
    this.#lifecycle.assertStarted(operation);
  }

  /**
   * The one place every operation reaches its backend: a new operation is one `#run` call, and
   * gets its deadline, its error shaping and its diagnostics channel from here. `batchSize` is
   * given by batch operations only.
   */
  #run<T>(operation: string, work: () => Promise<T>, batchSize?: number): Promise<T> {
    if (!storeOperationChannel.hasSubscribers) return this.#shaped(operation, work);
    this.#target ??= Object.freeze({ ...this.diagnosticsTarget() });
    return traceStoreOperation(this.#target, operation, batchSize, () => this.#shaped(operation, work));
  }

  async #shaped<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      const pending = work();
      return await (this.cannotHang ? pending : withTimeout(pending, this.operationTimeoutMs, operation));
    } catch (error) {
      throw this.#shape(error, operation);
    }
  }

  #shape(error: unknown, operation: string): SessionKVError {
    const shaped = error instanceof SessionKVError ? error : this.classifyError(error, operation);
    const secrets = this.secrets();
    if (secrets.length === 0 && !/:\/\/[^/@\s]*:[^@\s/]*@/.test(shaped.message)) return shaped;
    const clean = new SessionKVError(shaped.code, redactText(shaped.message, secrets), {
      cause: redactError(shaped.cause, secrets),
    });
    clean.stack = shaped.stack === undefined ? undefined : redactText(shaped.stack, secrets);
    return clean;
  }
}

/** `mget`'s answer for a prepared set with repeats; a repeated key gets its own copy, as in `mget`. */
function fannedOut(values: readonly (Uint8Array | null)[], positions: Uint32Array): (Uint8Array | null)[] {
  const handedOut = new Uint8Array(values.length);
  const out = new Array<Uint8Array | null>(positions.length);
  for (let i = 0; i < positions.length; i++) {
    const at = positions[i] as number;
    const value = values[at] ?? null;
    if (value === null || handedOut[at] === 0) {
      handedOut[at] = 1;
      out[i] = value;
    } else out[i] = copyBytes(value);
  }
  return out;
}

/** Collapses repeated keys, keeping the last entry (mset's "last wins"). */
function lastWins(entries: readonly MsetEntry[]): readonly MsetEntry[] {
  const byKey = new Map<string, MsetEntry>();
  for (const entry of entries) {
    byKey.delete(entry.key);
    byKey.set(entry.key, entry);
  }
  return byKey.size === entries.length ? entries : [...byKey.values()];
}
