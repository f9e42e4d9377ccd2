import { describe, expect, it } from "vitest";
import {
  MAX_TTL_MS,
  type MsetEntry,
  SessionKVError,
  SessionRegistry,
  type StoreCapabilities,
} from "../src/index.js";
import { BaseSessionKVStore, validateKeyPrefix } from "../src/store-kit.js";

/**
 * A backend that records which of its hooks ran. The base class's promise is that invalid
 * input never reaches them, repeated keys are collapsed, `[]` costs nothing, and a hook that
 * hangs is cut off by the deadline.
 */
class RecordingStore extends BaseSessionKVStore<{ readonly prepared: readonly string[] }> {
  readonly capabilities: StoreCapabilities = {
    ttlResolutionMs: 1,
    minTtlMs: 1,
    expiryLagMs: 0,
    maxValueBytes: 8,
    maxKeyBytes: 16,
    partitionListing: "scan",
  };
  /** What each hook was handed as `prepared`, in call order. */
  readonly preparedArgs: unknown[] = [];
  readonly calls: [string, unknown][] = [];
  hang = false;
  fail: unknown;
  constructor(
    timeoutMs = 5000,
    readonly password = "",
  ) {
    super({ operationTimeoutMs: timeoutMs });
  }
  protected override secrets(): string[] {
    return [this.password];
  }
  async #hook<T>(name: string, arg: unknown, result: T): Promise<T> {
    this.calls.push([name, arg]);
    if (this.fail !== undefined) throw this.fail;
    if (this.hang) await new Promise(() => undefined);
    return result;
  }
  protected doStart() {
    return this.#hook("start", null, undefined);
  }
  protected doClose() {
    return this.#hook("close", null, undefined);
  }
  protected doSet(key: string, _v: Uint8Array, ttlMs: number, onlyIfExists: boolean) {
    return this.#hook("set", [key, ttlMs, onlyIfExists], undefined);
  }
  protected doSetIfAbsent(key: string, _v: Uint8Array, ttlMs: number) {
    return this.#hook("setIfAbsent", [key, ttlMs], true);
  }
  protected doDeleteIfEquals(key: string, value: Uint8Array) {
    return this.#hook("deleteIfEquals", [key, new TextDecoder().decode(value)], true);
  }
  protected doMset(entries: readonly MsetEntry[]) {
    return this.#hook(
      "mset",
      entries.map((e) => [e.key, new TextDecoder().decode(e.value)]),
      undefined,
    );
  }
  protected doGet(key: string) {
    return this.#hook("get", key, null);
  }
  protected override doPrepare(keys: readonly string[]) {
    this.calls.push(["prepare", keys]);
    return { prepared: keys };
  }
  protected doMget(keys: readonly string[], prepared?: unknown) {
    this.preparedArgs.push(prepared);
    return this.#hook(
      "mget",
      keys,
      keys.map((k) => new TextEncoder().encode(k)),
    );
  }
  protected doExpire(keys: readonly string[], ttlMs: number, prepared?: unknown) {
    this.preparedArgs.push(prepared);
    return this.#hook("expire", [keys, ttlMs], undefined);
  }
  protected doKeys(prefix: string) {
    return this.#hook("keys", prefix, ["a", "b", "a"]);
  }
  protected doDelete(keys: readonly string[], prepared?: unknown) {
    this.preparedArgs.push(prepared);
    return this.#hook("delete", keys, undefined);
  }
}

const b = (s: string) => new TextEncoder().encode(s);

describe("BaseSessionKVStore", () => {
  it("rejects invalid input before any hook runs, naming the parameter", async () => {
    const store = new RecordingStore();
    await store.start();
    store.calls.length = 0;
    await expect(store.set("", b("v"), 1)).rejects.toMatchObject({
      code: "ERR_INVALID_ARGUMENT",
      message: /^key /,
      name: "SessionKVError",
    });
    await expect(store.set("k", b("v"), Number.NaN)).rejects.toMatchObject({
      code: "ERR_INVALID_ARGUMENT",
      message: /^ttlMs /,
    });
    await expect(store.set("k", b("123456789"), 1)).rejects.toMatchObject({ code: "ERR_VALUE_TOO_LARGE" });
    await expect(store.set("k".repeat(17), b("v"), 1)).rejects.toMatchObject({
      code: "ERR_INVALID_ARGUMENT",
      message: /17 UTF-8 bytes/,
    });
    await expect(store.set("ééééééééé", b("v"), 1)).rejects.toMatchObject({ code: "ERR_INVALID_ARGUMENT" });
    await expect(
      store.mset([
        { key: "ok", value: b("v"), ttlMs: 1 },
        { key: "k", value: b("v"), ttlMs: -1 },
      ]),
    ).rejects.toMatchObject({ message: /^entries\[1\]\.ttlMs/ });
    await expect(store.mget(["ok", "\uDC00"])).rejects.toMatchObject({ message: /^keys\[1\]/ });
    expect(store.calls).toEqual([]);
  });

  it("validates the claim operations before any hook runs, then hands them over once", async () => {
    const store = new RecordingStore();
    await expect(store.setIfAbsent("k", b("v"), 1)).rejects.toMatchObject({ code: "ERR_STORE_NOT_STARTED" });
    await store.start();
    store.calls.length = 0;
    await expect(store.setIfAbsent("", b("v"), 1)).rejects.toMatchObject({
      code: "ERR_INVALID_ARGUMENT",
      message: /^key /,
    });
    await expect(store.setIfAbsent("k", "v" as unknown as Uint8Array, 1)).rejects.toMatchObject({
      code: "ERR_INVALID_ARGUMENT",
      message: /^value /,
    });
    await expect(store.setIfAbsent("k", b("v"), 0)).rejects.toMatchObject({
      code: "ERR_INVALID_ARGUMENT",
      message: /^ttlMs /,
    });
    await expect(store.setIfAbsent("k", b("v"), MAX_TTL_MS + 1)).rejects.toMatchObject({
      message: /^ttlMs must be at most/,
    });
    await expect(store.setIfAbsent("k", b("123456789"), 1)).rejects.toMatchObject({
      code: "ERR_VALUE_TOO_LARGE",
    });
    await expect(store.deleteIfEquals("\uDC00", b("v"))).rejects.toMatchObject({ message: /^key / });
    await expect(store.deleteIfEquals("k", null as unknown as Uint8Array)).rejects.toMatchObject({
      code: "ERR_INVALID_ARGUMENT",
      message: /^value /,
    });
    expect(store.calls).toEqual([]);
    expect(await store.setIfAbsent("k", b("v"), 7)).toBe(true);
    expect(await store.deleteIfEquals("k", b("v"))).toBe(true);
    expect(store.calls).toEqual([
      ["setIfAbsent", ["k", 7]],
      ["deleteIfEquals", ["k", "v"]],
    ]);
    await store.close();
    await expect(store.deleteIfEquals("k", b("v"))).rejects.toMatchObject({ code: "ERR_STORE_CLOSED" });
    await expect(store.deleteIfEquals("", b("v"))).rejects.toMatchObject({ code: "ERR_INVALID_ARGUMENT" });
  });

  it("validates a plain key array on every call, frozen or not; a prepared set once, at prepare()", async () => {
    const store = new RecordingStore();
    await store.start();
    store.calls.length = 0;
    // A mutable array may change between calls: checked each time.
    const keys = ["a", "b"];
    await store.mget(keys);
    keys[1] = "\uDC00";
    await expect(store.mget(keys)).rejects.toMatchObject({ message: /^keys\[1\]/ });
    await expect(store.expire(keys, 1)).rejects.toMatchObject({ message: /^keys\[1\]/ });
    // Freezing no longer buys anything: a frozen array is an array like any other.
    const bad = Object.freeze(["a", "k".repeat(17)]);
    for (let i = 0; i < 2; i++)
      await expect(store.delete(bad)).rejects.toMatchObject({ message: /^keys\[1\] is 17 UTF-8 bytes/ });
    expect(() => store.prepare(bad)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARGUMENT" }));
    expect(store.calls.map(([name]) => name)).toEqual(["mget"]);
    store.calls.length = 0;
    // A prepared set is the keys as they were: changing the array afterwards changes nothing.
    const source = ["a", "b"];
    const prepared = store.prepare(source);
    source[1] = "\uDC00";
    expect(prepared.keys).toEqual(["a", "b"]);
    expect(Object.isFrozen(prepared.keys)).toBe(true);
    await store.mget(prepared);
    await store.expire(prepared, 1);
    await store.delete(prepared);
    expect(store.calls.map(([name, arg]) => [name, arg])).toEqual([
      ["prepare", ["a", "b"]],
      ["mget", ["a", "b"]],
      ["expire", [["a", "b"], 1]],
      ["delete", ["a", "b"]],
    ]);
    // Checked against the limits of the store that prepares it.
    const strict = new (class extends RecordingStore {
      override readonly capabilities = { ...store.capabilities, maxKeyBytes: 1 };
    })();
    await strict.start();
    store.prepare(["ab"]);
    expect(() => strict.prepare(["ab"])).toThrow(/^keys\[0\] is 2 UTF-8 bytes/);
  });

  it("de-duplicates a prepared set once and hands the hooks the same keys and doPrepare's result every call", async () => {
    const store = new RecordingStore();
    await store.start();
    const repeated = store.prepare(["a", "b", "a"]);
    store.calls.length = 0;
    await store.expire(repeated, 1);
    await store.expire(repeated, 1);
    await store.delete(repeated);
    const handed = store.calls.map(([, arg]) => (Array.isArray(arg) && Array.isArray(arg[0]) ? arg[0] : arg));
    expect(handed).toEqual([
      ["a", "b"],
      ["a", "b"],
      ["a", "b"],
    ]);
    expect(new Set(handed).size).toBe(1);
    expect(store.preparedArgs).toEqual([
      { prepared: ["a", "b"] },
      { prepared: ["a", "b"] },
      { prepared: ["a", "b"] },
    ]);
    expect(new Set(store.preparedArgs).size).toBe(1);
    // mget answers every position of the set, and a repeated key gets its own buffer.
    const values = await store.mget(repeated);
    expect(values.map((v) => (v === null ? null : new TextDecoder().decode(v)))).toEqual(["a", "b", "a"]);
    expect(values[0]).not.toBe(values[2]);
    (values[0] as Uint8Array)[0] = 0;
    expect(new TextDecoder().decode(values[2] as Uint8Array)).toBe("a");
    // A plain array reaches the hooks with nothing prepared, and is de-duplicated afresh each call.
    store.calls.length = 0;
    store.preparedArgs.length = 0;
    const keys = ["a", "a"];
    await store.mget(keys);
    keys[1] = "c";
    await store.mget(keys);
    expect(store.calls.map(([, arg]) => arg)).toEqual([["a"], ["a", "c"]]);
    expect(store.preparedArgs).toEqual([undefined, undefined]);
    // An empty set costs nothing.
    const empty = store.prepare([]);
    expect(await store.mget(empty)).toEqual([]);
    await store.delete(empty);
    expect(store.calls).toHaveLength(2);
  });

  it("refuses a key set another store prepared, closed or not, and anything that is not a key set", async () => {
    const store = new RecordingStore();
    const other = new RecordingStore();
    await store.start();
    await other.start();
    const theirs = other.prepare(["a"]);
    store.calls.length = 0;
    for (const call of [() => store.mget(theirs), () => store.expire(theirs, 1), () => store.delete(theirs)])
      await expect(call()).rejects.toMatchObject({
        code: "ERR_INVALID_ARGUMENT",
        message: /^keys is a key set prepared by another store; /,
      });
    await other.close();
    await expect(store.mget(theirs)).rejects.toMatchObject({
      code: "ERR_INVALID_ARGUMENT",
      message: /^keys is a key set prepared by another store \(now closed\)/,
    });
    // Its own store, closed, says so.
    await expect(other.mget(theirs)).rejects.toMatchObject({ code: "ERR_STORE_CLOSED" });
    // A look-alike is not a key set: only prepare() makes one.
    const forged = { keys: ["a"] } as unknown as string[];
    await expect(store.mget(forged)).rejects.toMatchObject({
      code: "ERR_INVALID_ARGUMENT",
      message: /^keys must be an array of strings/,
    });
    expect(store.calls).toEqual([]);
  });

  it("prepare() checks its keys first, then the lifecycle, like every operation", async () => {
    const store = new RecordingStore();
    expect(() => store.prepare(["a"])).toThrow(expect.objectContaining({ code: "ERR_STORE_NOT_STARTED" }));
    await store.start();
    await store.close();
    expect(() => store.prepare(["a"])).toThrow(expect.objectContaining({ code: "ERR_STORE_CLOSED" }));
    for (const bad of [[""], ["\uD800"], ["k".repeat(17)], "a", [1]])
      expect(() => store.prepare(bad as string[])).toThrow(
        expect.objectContaining({ code: "ERR_INVALID_ARGUMENT" }),
      );
    expect(store.calls.map(([name]) => name)).toEqual(["start", "close"]);
  });

  it("takes TTLs up to MAX_TTL_MS (365 days) and rejects longer ones naming ttlMs, before any hook", async () => {
    const store = new RecordingStore();
    await store.start();
    store.calls.length = 0;
    expect(MAX_TTL_MS).toBe(365 * 24 * 3_600_000);
    await store.set("k", b("v"), MAX_TTL_MS);
    await store.expire(["k"], MAX_TTL_MS);
    expect(store.calls.map(([name]) => name)).toEqual(["set", "expire"]);
    store.calls.length = 0;
    for (const ttl of [MAX_TTL_MS + 1, 1e300]) {
      await expect(store.set("k", b("v"), ttl)).rejects.toMatchObject({
        code: "ERR_INVALID_ARGUMENT",
        message: /^ttlMs must be at most 31536000000 ms/,
      });
      await expect(store.mset([{ key: "k", value: b("v"), ttlMs: ttl }])).rejects.toMatchObject({
        code: "ERR_INVALID_ARGUMENT",
        message: /^entries\[0\]\.ttlMs /,
      });
      await expect(store.expire(["k"], ttl)).rejects.toMatchObject({
        code: "ERR_INVALID_ARGUMENT",
        message: /^ttlMs /,
      });
    }
    expect(store.calls).toEqual([]);
    // A registry whose every write would be refused is refused at construction instead.
    expect(() => new SessionRegistry({ store, ttlMs: MAX_TTL_MS + 1 })).toThrow(/^ttlMs must be at most/);
  });

  it("collapses repeated keys and skips I/O for empty batches", async () => {
    const store = new RecordingStore();
    await store.start();
    store.calls.length = 0;
    await store.mset([]);
    await store.expire([], 10);
    await store.delete([]);
    expect(await store.mget([])).toEqual([]);
    expect(store.calls).toEqual([]);
    await store.mset([
      { key: "a", value: b("1"), ttlMs: 1 },
      { key: "b", value: b("2"), ttlMs: 1 },
      { key: "a", value: b("3"), ttlMs: 1 },
    ]);
    const values = await store.mget(["x", "y", "x"]);
    await store.delete(["k", "k"]);
    expect(await store.keys("")).toEqual(["a", "b"]);
    expect(store.calls).toEqual([
      [
        "mset",
        [
          ["b", "2"],
          ["a", "3"],
        ],
      ],
      ["mget", ["x", "y"]],
      ["delete", ["k"]],
      ["keys", ""],
    ]);
    expect(values.map((v) => new TextDecoder().decode(v!))).toEqual(["x", "y", "x"]);
    expect(values[0]).not.toBe(values[2]);
  });

  it("passes repeated keys through to a backend that accepts them", async () => {
    class Repeating extends RecordingStore {
      protected override readonly acceptsRepeatedKeys = true;
    }
    const store = new Repeating();
    await store.start();
    store.calls.length = 0;
    await store.mget(["x", "x"]);
    await store.delete(["k", "k"]);
    expect(store.calls).toEqual([
      ["mget", ["x", "x"]],
      ["delete", ["k", "k"]],
    ]);
  });

  it("runs the lifecycle: shared start, retry after a failed start, idempotent close", async () => {
    const store = new RecordingStore();
    store.fail = new Error("boom");
    await expect(store.start()).rejects.toMatchObject({ code: "ERR_STORE_UNAVAILABLE" });
    store.fail = undefined;
    await Promise.all([store.start(), store.start()]);
    expect(store.calls.filter(([n]) => n === "start")).toHaveLength(2);
    await Promise.all([store.close(), store.close()]);
    await store.close();
    expect(store.calls.filter(([n]) => n === "close")).toHaveLength(1);
    await expect(store.start()).rejects.toMatchObject({ code: "ERR_STORE_CLOSED" });
  });

  it("cuts off a hanging operation at operationTimeoutMs with ERR_STORE_UNAVAILABLE", async () => {
    const store = new RecordingStore(100);
    await store.start();
    store.hang = true;
    const started = performance.now();
    await expect(store.get("k")).rejects.toMatchObject({
      code: "ERR_STORE_UNAVAILABLE",
      message: /within 100 ms/,
    });
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("removes secrets from messages, stacks and the whole cause chain", async () => {
    const store = new RecordingStore(5000, "hunter2");
    await store.start();
    const inner = new Error("auth failed for redis://user:hunter2@host");
    store.fail = new Error("connect failed with hunter2", { cause: inner });
    const error = (await store.get("k").catch((e: unknown) => e)) as SessionKVError;
    expect(error).toBeInstanceOf(SessionKVError);
    let text = "";
    for (let e: unknown = error; e instanceof Error; e = e.cause) text += `${e.message}\n${e.stack}\n`;
    expect(text).not.toContain("hunter2");
    expect(text).toContain("***");
  });

  it("validates its own options", () => {
    expect(() => new RecordingStore(0)).toThrow(
      expect.objectContaining({
        code: "ERR_INVALID_ARGUMENT",
        message: expect.stringMatching(/operationTimeoutMs/),
      }),
    );
  });

  it("validateKeyPrefix: one rule for every backend's namespace option", () => {
    expect(() => validateKeyPrefix("app:")).not.toThrow();
    expect(() => validateKeyPrefix("")).not.toThrow();
    for (const bad of [42, null, "a\uD800", "é".repeat(513)]) {
      expect(() => validateKeyPrefix(bad)).toThrow(
        expect.objectContaining({
          code: "ERR_INVALID_ARGUMENT",
          message: expect.stringMatching(/^keyPrefix /),
        }),
      );
    }
  });
});
