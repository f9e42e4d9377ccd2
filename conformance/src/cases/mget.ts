import { ABOVE_EVERY_SERVER_BATCH, largeBatch, writeSetUp } from "../batches.js";
import { assert, assertAllMissing, bytes, text } from "../expect.js";
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
      assertAllMissing(await store.mget([]), 0, "mget([])");
      assertAllMissing(await store.mget(["nope", "nope"]), 2, "mget of missing keys");
    },
  },
  {
    id: "mget.large",
    title: "an mget of 1,001 keys (above any server batch limit) keeps order",
    async run({ store, checkpoints }) {
      const keys = Array.from({ length: Math.ceil(ABOVE_EVERY_SERVER_BATCH / 2) }, (_, i) => `k${i}`);
      const missing = keys.slice(0, ABOVE_EVERY_SERVER_BATCH - keys.length).map((k) => `missing-${k}`);
      if (
        !(await writeSetUp(
          checkpoints,
          store,
          keys.map((key) => ({ key, value: bytes(key), ttlMs: 60_000 })),
        ))
      ) {
        return;
      }
      const asked = [...keys, ...missing].sort(() => Math.random() - 0.5);
      const read = await largeBatch(checkpoints, `mget of ${asked.length} keys`, asked, (batch) =>
        store.mget(batch),
      );
      if (read === undefined) return;
      const values = read.value;
      assert.equal(values.length, asked.length);
      values.forEach((v, i) =>
        assert.equal(text(v), asked[i]!.startsWith("missing-") ? null : asked[i], `position ${i}`),
      );
    },
  },
];
