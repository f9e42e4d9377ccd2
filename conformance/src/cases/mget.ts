import { assert, bytes, text } from "../expect.js";
import type { ConformanceCase } from "../types.js";

export const mgetCases: ConformanceCase[] = [
  {
    id: "mget.order-duplicates-missing",
    title: "mget returns one result per key, in input order, duplicates included, null for missing",
    async run({ store }) {
      await store.mset([
        { key: "a", value: bytes("A"), ttlMs: 60_000 },
        { key: "b", value: bytes("B"), ttlMs: 60_000 },
      ]);
      assert.deepEqual((await store.mget(["b", "missing", "a", "b", "a"])).map(text), [
        "B",
        null,
        "A",
        "B",
        "A",
      ]);
      assert.deepEqual(await store.mget([]), [], "mget([])");
      assert.deepEqual(await store.mget(["nope", "nope"]), [null, null]);
    },
  },
  {
    id: "mget.large",
    title: "an mget of 1,000 keys (above any server batch limit) keeps order",
    async run({ store }) {
      const keys = Array.from({ length: 500 }, (_, i) => `k${i}`);
      await store.mset(keys.map((key) => ({ key, value: bytes(key), ttlMs: 60_000 })));
      const asked = [...keys, ...keys.map((k) => `missing-${k}`)].sort(() => Math.random() - 0.5);
      const values = await store.mget(asked);
      assert.equal(values.length, asked.length);
      values.forEach((v, i) =>
        assert.equal(text(v), asked[i]!.startsWith("missing-") ? null : asked[i], `position ${i}`),
      );
    },
  },
];
