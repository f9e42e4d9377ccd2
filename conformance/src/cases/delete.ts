import { ABOVE_EVERY_SERVER_BATCH, largeBatch, writeSetUp } from "../batches.js";
import { assert, assertSameKeys, bytes, text } from "../expect.js";
import type { ConformanceCase } from "../types.js";

export const deleteCases: ConformanceCase[] = [
  {
    id: "delete.existing-and-missing",
    title: "delete removes existing keys, ignores missing ones, and delete([]) is a no-op",
    async run({ store }) {
      await store.mset(["a", "b", "c"].map((key) => ({ key, value: bytes(key), ttlMs: 60_000 })));
      await store.delete(["a", "missing", "c", "a"]);
      assert.deepEqual((await store.mget(["a", "b", "c"])).map(text), [null, "b", null]);
      assertSameKeys(await store.keys(""), ["b"], "keys after delete");
      await store.delete([]);
      assertSameKeys(await store.keys(""), ["b"], "delete([]) changed nothing");
    },
  },
  {
    id: "delete.large",
    title: "delete of 1,001 keys (above any server batch limit) removes them all",
    async run({ store, checkpoints }) {
      const keys = Array.from({ length: ABOVE_EVERY_SERVER_BATCH }, (_, i) => `d${i}`);
      if (
        !(await writeSetUp(
          checkpoints,
          store,
          keys.map((key) => ({ key, value: bytes(""), ttlMs: 60_000 })),
        ))
      ) {
        return;
      }
      const done = await largeBatch(checkpoints, `delete of ${keys.length} keys`, keys, (batch) =>
        store.delete(batch),
      );
      if (done === undefined) return;
      assertSameKeys(await store.keys(""), [], "all deleted");
    },
  },
  {
    id: "delete.exact-keys-only",
    title: "delete removes exactly the given keys, never the keys they are a prefix of",
    async run({ store }) {
      const keys = ["a", "ab", "a/b", "abc", "b", "ba"];
      await store.mset(keys.map((key) => ({ key, value: bytes(key), ttlMs: 60_000 })));
      await store.delete(["a", "b"]);
      assertSameKeys(await store.keys(""), ["ab", "a/b", "abc", "ba"], "keys after delete(['a', 'b'])");
      assert.deepEqual((await store.mget(["ab", "a/b", "abc", "ba"])).map(text), ["ab", "a/b", "abc", "ba"]);
    },
  },
];
