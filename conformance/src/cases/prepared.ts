import type { SessionKVStore } from "@sessionkv/core";
import { assert, assertSameKeys, bytes, call, rejectsWithCode, sleep, text } from "../expect.js";
import type { ConformanceCase } from "../types.js";

const LONG_MS = 120_000;

async function texts(values: Promise<(Uint8Array | null)[]>): Promise<(string | null)[]> {
  return (await values).map(text);
}

/** A prepared key set (core README, "Prepared key sets") behaves as its plain array, call after call. */
export const preparedCases: ConformanceCase[] = [
  {
    id: "prepared.mget-as-array",
    title:
      "mget of a prepared key set answers as mget of its array: order, repeats, missing keys, every call",
    async run({ store }) {
      await store.mset(
        ["a", "b", "c"].map((key) => ({ key, value: bytes(key.toUpperCase()), ttlMs: LONG_MS })),
      );
      const keys = ["b", "missing", "a", "b", "a", "c", "missing"];
      const source = [...keys];
      const prepared = store.prepare(source);
      // The set is the keys as they were prepared: changing the array afterwards changes nothing.
      source[0] = "c";
      assert.deepEqual([...prepared.keys], keys, "prepared.keys");
      const plain = await texts(store.mget(keys));
      assert.deepEqual(plain, ["B", null, "A", "B", "A", "C", null], "mget of the array");
      for (let i = 0; i < 3; i++)
        assert.deepEqual(await texts(store.mget(prepared)), plain, `mget #${i + 1}`);
      // A repeated key gets its own buffer, as with an array.
      const values = await store.mget(prepared);
      (values[0] as Uint8Array)[0] = 0;
      assert.equal(text(values[3] ?? null), "B", "a repeat's buffer is its own");
      // The set names keys, not values: later writes and deletes show through.
      await store.set("missing", bytes("now"), LONG_MS);
      await store.delete(["a"]);
      assert.deepEqual(
        await texts(store.mget(prepared)),
        ["B", "now", null, "B", null, "C", "now"],
        "mget after a set and a delete",
      );
      const empty = store.prepare([]);
      assert.deepEqual(await store.mget(empty), [], "mget of an empty set");
    },
  },
  {
    id: "prepared.expire-delete-as-array",
    title:
      "expire and delete of a prepared key set act as with its array: repeats once, missing keys ignored",
    async run({ store, timing }) {
      const names = ["k1", "k2", "k3"];
      const others = ["o1", "o2"];
      await store.mset([...names, ...others].map((key) => ({ key, value: bytes(key), ttlMs: LONG_MS })));
      const prepared = store.prepare(["k1", "gone", "k2", "k1", "k3", "gone"]);
      // Missing keys are ignored and never created; expire may shorten, as with an array.
      await store.expire(prepared, LONG_MS);
      assertSameKeys(
        await store.keys(""),
        [...names, ...others],
        "keys after expire of a set with missing keys",
      );
      await store.expire(prepared, timing.shortTtlMs);
      await sleep(timing.goneByMs(timing.shortTtlMs));
      assert.deepEqual(
        await texts(store.mget(prepared)),
        [null, null, null, null, null, null],
        "after the short TTL",
      );
      assertSameKeys(await store.keys(""), others, "keys the set did not name are untouched");
      // Written again, then deleted through the same set, twice: the second finds nothing to delete.
      await store.mset(names.map((key) => ({ key, value: bytes(key), ttlMs: LONG_MS })));
      await store.delete(prepared);
      await store.delete(prepared);
      assertSameKeys(await store.keys(""), others, "keys after delete of the set");
      const empty = store.prepare([]);
      await store.expire(empty, 1);
      await store.delete(empty);
      assertSameKeys(await store.keys(""), others, "an empty set changes nothing");
    },
  },
  {
    id: "prepared.other-store-refused",
    title:
      "a key set another store prepared (same namespace, open or closed) is refused with ERR_INVALID_ARGUMENT and touches nothing",
    async run({ store, namespace, newStore }) {
      await store.set("k", bytes("v"), LONG_MS);
      const other = await newStore({ namespace });
      const theirs = other.prepare(["k"]);
      const attempts = (label: string): [string, () => Promise<unknown>][] => [
        [`mget ${label}`, () => store.mget(theirs)],
        [`expire ${label}`, () => store.expire(theirs, 1)],
        [`delete ${label}`, () => store.delete(theirs)],
      ];
      for (const [what, op] of attempts("of an open store's set"))
        await rejectsWithCode(call(op), "ERR_INVALID_ARGUMENT", what);
      await other.close();
      for (const [what, op] of attempts("of a closed store's set"))
        await rejectsWithCode(call(op), "ERR_INVALID_ARGUMENT", what);
      assert.equal(text(await store.get("k")), "v", "the key is untouched");
      // Only prepare() makes a key set: a look-alike object is not one.
      const lookAlike = { keys: ["k"] } as unknown as string[];
      await rejectsWithCode(
        call(() => store.delete(lookAlike)),
        "ERR_INVALID_ARGUMENT",
        "delete of a look-alike",
      );
      assert.equal(text(await store.get("k")), "v", "the key is still untouched");
    },
  },
  {
    id: "prepared.own-closed",
    title: "a store's own key set after its close() rejects with ERR_STORE_CLOSED",
    async run({ newStore }) {
      const store = await newStore();
      const prepared = store.prepare(["k"]);
      await store.close();
      for (const [what, op] of [
        ["mget", () => store.mget(prepared)],
        ["expire", () => store.expire(prepared, 1000)],
        ["delete", () => store.delete(prepared)],
        ["prepare", () => store.prepare(["k"])],
      ] as [string, () => Promise<unknown>][])
        await rejectsWithCode(call(op), "ERR_STORE_CLOSED", what);
    },
  },
  {
    id: "prepared.validated-before-io",
    title: "prepare() refuses invalid keys with ERR_INVALID_ARGUMENT before any I/O, even on a closed store",
    async run({ newStore, capabilities }) {
      const store: SessionKVStore = await newStore();
      await store.close();
      const tooLong = "k".repeat(capabilities.maxKeyBytes + 1);
      for (const [what, keys] of [
        ["an empty key", ["ok", ""]],
        ["a lone surrogate", ["ok", "\uD800"]],
        ["a key past maxKeyBytes", [tooLong]],
        ["a number", ["ok", 7]],
        ["a string, not an array", "ok"],
        ["null", null],
      ] as [string, unknown][])
        await rejectsWithCode(
          call(async () => store.prepare(keys as string[])),
          "ERR_INVALID_ARGUMENT",
          `prepare of ${what}`,
        );
    },
  },
];
