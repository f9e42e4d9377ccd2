import { copyBytes, unique } from "./batch.js";
import {
  type StoreTarget,
  storeOperationChannel,
  traceStoreOperation,
} from "./diagnostics/store-channels.js";
import { ErrorCode, SessionKVError } from "./errors.js";
import { Lifecycle, storeLifecycleErrors } from "./lifecycle.js";
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
export abstract class BaseSessionKVStore implements SessionKVStore {
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
  /**
   * Frozen key arrays this store has validated, each with its repeats removed: they cannot
   * change, so both stay true. A registry hands the same frozen arrays to every heartbeat, and
   * at 10,000 keys the check and the de-duplication cost more than an etcd keepalive (etcd README,
   * "Benchmark: the heartbeat").
   */
  readonly #checkedFrozen = new WeakMap<readonly string[], readonly string[]>();
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
  /** Entries have unique keys. Never called with `[]`. */
  protected abstract doMset(entries: readonly MsetEntry[]): Promise<void>;
  protected abstract doGet(key: string): Promise<Uint8Array | null>;
  /** Keys are unique (unless `acceptsRepeatedKeys`). Never called with `[]`. One result per key, same order. */
  protected abstract doMget(keys: readonly string[]): Promise<(Uint8Array | null)[]>;
  /** Keys are unique (unless `acceptsRepeatedKeys`). Never called with `[]`. */
  protected abstract doExpire(keys: readonly string[], ttlMs: number): Promise<void>;
  /** May return a key more than once; the base removes repeats. */
  protected abstract doKeys(prefix: string): Promise<string[]>;
  /** Keys are unique (unless `acceptsRepeatedKeys`). Never called with `[]`. */
  protected abstract doDelete(keys: readonly string[]): Promise<void>;

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

  async mget(keys: readonly string[]): Promise<(Uint8Array | null)[]> {
    const distinct = this.#checkedKeys(keys);
    this.#assertUsable("mget");
    if (keys.length === 0) return [];
    const values = await this.#run("mget", () => this.doMget(distinct), distinct.length);
    if (values.length !== distinct.length) {
      throw new SessionKVError(
        ErrorCode.STORE_PROTOCOL,
        `mget returned ${values.length} values for ${distinct.length} keys`,
      );
    }
    if (distinct === keys) return values;
    const byKey = new Map<string, Uint8Array | null>();
    distinct.forEach((key, i) => byKey.set(key, values[i] ?? null));
    // Repeated keys get their own copy: callers may mutate one result without touching another.
    const handedOut = new Set<string>();
    return keys.map((key) => {
      const value = byKey.get(key) ?? null;
      if (value === null || !handedOut.has(key)) {
        handedOut.add(key);
        return value;
      }
      return copyBytes(value);
    });
  }

  async expire(keys: readonly string[], ttlMs: number): Promise<void> {
    const distinct = this.#checkedKeys(keys);
    validateTtlMs(ttlMs);
    this.#assertUsable("expire");
    if (keys.length === 0) return;
    return this.#run("expire", () => this.doExpire(distinct, ttlMs), distinct.length);
  }

  async keys(prefix: string): Promise<string[]> {
    validatePrefix(prefix);
    this.#assertUsable("keys");
    const found = await this.#run("keys", () => this.doKeys(prefix));
    return [...new Set(found)];
  }

  async delete(keys: readonly string[]): Promise<void> {
    const distinct = this.#checkedKeys(keys);
    this.#assertUsable("delete");
    if (keys.length === 0) return;
    return this.#run("delete", () => this.doDelete(distinct), distinct.length);
  }

  /** Validates `keys` and returns them without repeats (unless `acceptsRepeatedKeys`). */
  #checkedKeys(keys: readonly string[]): readonly string[] {
    const known = this.#checkedFrozen.get(keys);
    if (known !== undefined) return known;
    validateKeys(keys, this.capabilities);
    const distinct = this.acceptsRepeatedKeys ? keys : unique(keys);
    if (!Object.isFrozen(keys)) return distinct;
    // A fresh array when there were repeats: frozen, so that a backend's own memo of frozen
    // arrays (Redis: the prefixed keys) applies to it too.
    this.#checkedFrozen.set(keys, Object.freeze(distinct));
    return distinct;
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

/** Collapses repeated keys, keeping the last entry (mset's "last wins"). */
function lastWins(entries: readonly MsetEntry[]): readonly MsetEntry[] {
  const byKey = new Map<string, MsetEntry>();
  for (const entry of entries) {
    byKey.delete(entry.key);
    byKey.set(entry.key, entry);
  }
  return byKey.size === entries.length ? entries : [...byKey.values()];
}
