import type { SessionKVStore } from "@sessionkv/core";
import { assert, bytes, call, rejectsWithCode } from "../expect.js";
import type { ConformanceCase } from "../types.js";

/**
 * Every operation of the contract with valid arguments (both forms of set, both claims, batches of
 * two keys, as arrays and as prepared key sets);
 * reused by the lifecycle and validation cases and by `@sessionkv/conformance/testing`'s outage helpers.
 */
export function everyOperation(store: SessionKVStore): [string, () => Promise<unknown>][] {
  const v = bytes("v");
  return [
    ["set", () => store.set("k", v, 60_000)],
    ["set onlyIfExists", () => store.set("k", v, 60_000, { onlyIfExists: true })],
    ["setIfAbsent", () => store.setIfAbsent("k", v, 60_000)],
    ["deleteIfEquals", () => store.deleteIfEquals("k", v)],
    [
      "mset",
      () =>
        store.mset([
          { key: "k", value: v, ttlMs: 60_000 },
          { key: "k2", value: v, ttlMs: 60_000 },
        ]),
    ],
    ["get", () => store.get("k")],
    ["mget", () => store.mget(["k", "k2"])],
    ["expire", () => store.expire(["k", "k2"], 60_000)],
    ["keys", () => store.keys("")],
    ["delete", () => store.delete(["k"])],
    // A prepared key set's calls (prepare itself does no I/O, so it is not an operation here).
    ["mget prepared", () => store.mget(store.prepare(["k", "k2"]))],
    ["expire prepared", () => store.expire(store.prepare(["k", "k2"]), 60_000)],
    ["delete prepared", () => store.delete(store.prepare(["k"]))],
  ];
}

export const lifecycleCases: ConformanceCase[] = [
  {
    id: "lifecycle.before-start",
    title: "every operation before start() rejects with ERR_STORE_NOT_STARTED",
    async run({ newStore }) {
      const store = await newStore({ start: false });
      for (const [name, op] of everyOperation(store)) {
        await rejectsWithCode(call(op), "ERR_STORE_NOT_STARTED", name);
      }
    },
  },
  {
    id: "lifecycle.after-close",
    title: "every operation after close() rejects with ERR_STORE_CLOSED; close() is idempotent",
    async run({ newStore }) {
      const store = await newStore();
      await store.set("k", bytes("v"), 60_000);
      await store.close();
      await store.close();
      await Promise.all([store.close(), store.close()]);
      for (const [name, op] of everyOperation(store)) {
        await rejectsWithCode(call(op), "ERR_STORE_CLOSED", name);
      }
      await rejectsWithCode(
        call(() => store.start()),
        "ERR_STORE_CLOSED",
        "start after close",
      );
    },
  },
  {
    id: "lifecycle.start-idempotent",
    title: "start() is idempotent and concurrent calls share one start",
    async run({ newStore }) {
      const store = await newStore({ start: false });
      await Promise.all([store.start(), store.start(), store.start()]);
      await store.start();
      await store.set("k", bytes("v"), 60_000);
      assert.equal(new TextDecoder().decode((await store.get("k")) ?? undefined), "v");
    },
  },
  {
    id: "lifecycle.close-before-start",
    title: "close() before start() succeeds and leaves the store closed",
    async run({ newStore }) {
      const store = await newStore({ start: false });
      await store.close();
      await rejectsWithCode(
        call(() => store.get("k")),
        "ERR_STORE_CLOSED",
        "get",
      );
    },
  },
  {
    id: "lifecycle.await-using",
    title: "`await using` closes the store at the end of the block",
    async run({ newStore }) {
      let escaped: SessionKVStore | undefined;
      {
        await using store = await newStore();
        await store.set("k", bytes("v"), 60_000);
        escaped = store;
      }
      await rejectsWithCode(
        call(() => escaped.get("k")),
        "ERR_STORE_CLOSED",
        "get after dispose",
      );
    },
  },
];
