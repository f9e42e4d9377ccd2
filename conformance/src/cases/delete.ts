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
    title: "delete of 1,000 keys removes them all",
    async run({ store }) {
      const keys = Array.from({ length: 1000 }, (_, i) => `d${i}`);
      await store.mset(keys.map((key) => ({ key, value: bytes(""), ttlMs: 60_000 })));
      await store.delete(keys);
      assertSameKeys(await store.keys(""), [], "all deleted");
    },
  },
];
