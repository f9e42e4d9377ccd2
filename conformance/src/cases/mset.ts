import { ABOVE_EVERY_SERVER_BATCH, inChunks, largeBatch } from "../batches.js";
import { assert, assertBytes, assertSameKeys, bytes, text } from "../expect.js";
import { timed, written } from "../stamps.js";
import type { ConformanceCase } from "../types.js";

export const msetCases: ConformanceCase[] = [
  {
    id: "mset.mixed-ttls",
    title: "mset entries keep their own TTLs",
    async run({ store, timing, checkpoints }) {
      const { stamp } = await timed(() =>
        store.mset([
          { key: "short", value: bytes("s"), ttlMs: timing.shortTtlMs },
          { key: "long", value: bytes("l"), ttlMs: timing.longTtlMs },
        ]),
      );
      await checkpoints.stillThere(
        "both written",
        written(stamp, timing.shortTtlMs),
        () => store.mget(["short", "long"]),
        (v) => assert.deepEqual(v.map(text), ["s", "l"], "both written"),
      );
      await checkpoints.gone(
        stamp,
        timing.shortTtlMs,
        () => store.mget(["short", "long"]),
        (v) => assert.deepEqual(v.map(text), [null, "l"], "only the short TTL ran out"),
      );
    },
  },
  {
    id: "mset.repeated-key-last-wins",
    title: "a key repeated in one mset takes the last entry's value and TTL",
    async run({ store, timing, checkpoints }) {
      const { stamp } = await timed(() =>
        store.mset([
          { key: "k", value: bytes("first"), ttlMs: timing.longTtlMs },
          { key: "other", value: bytes("o"), ttlMs: timing.longTtlMs },
          { key: "k", value: bytes("last"), ttlMs: timing.shortTtlMs },
        ]),
      );
      await checkpoints.stillThere(
        "the last entry's value",
        written(stamp, timing.shortTtlMs),
        () => store.get("k"),
        (v) => assert.equal(text(v), "last", "the last entry's value"),
      );
      await checkpoints.gone(
        stamp,
        timing.shortTtlMs,
        () => store.get("k"),
        (v) => assert.equal(v, null, "the last entry's TTL applies"),
      );
      assert.equal(text(await store.get("other")), "o");
    },
  },
  {
    id: "mset.empty",
    title: "mset([]) resolves and writes nothing",
    async run({ store }) {
      await store.mset([]);
      assertSameKeys(await store.keys(""), [], "nothing written");
    },
  },
  {
    id: "mset.large-batch",
    title: "an mset of 1,001 entries (above any server batch limit) is written completely",
    async run({ store, checkpoints }) {
      const entries = Array.from({ length: ABOVE_EVERY_SERVER_BATCH }, (_, i) => ({
        key: `k${i}`,
        value: bytes(`v${i}`),
        ttlMs: 60_000 + i,
      }));
      const done = await largeBatch(checkpoints, `mset of ${entries.length} entries`, entries, (batch) =>
        store.mset(batch),
      );
      if (done === undefined) return;
      // Read back in set-up-sized calls: the batch under test is the write.
      for (const piece of inChunks(entries)) {
        const values = await store.mget(piece.map((e) => e.key));
        values.forEach((v, i) => assertBytes(v, piece[i]!.value, piece[i]!.key));
      }
    },
  },
  {
    id: "mset.upserts",
    title: "mset overwrites existing keys",
    async run({ store }) {
      await store.set("k", bytes("old"), 60_000);
      await store.mset([{ key: "k", value: bytes("new"), ttlMs: 60_000 }]);
      assert.equal(text(await store.get("k")), "new");
    },
  },
];
