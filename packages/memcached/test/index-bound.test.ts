import { requireContainers } from "@sessionkv/conformance/containers";
import { forEachTarget } from "@sessionkv/conformance/vitest";
import memjs from "memjs";
import { beforeAll, describe, expect, it } from "vitest";
import { MemcachedSessionKVStore } from "../src/index.js";
import { KeyEncoder, bucketOf } from "../src/key-encoding.js";
import { INDEX_BUCKETS, MIN_COMPACT_ENTRIES } from "../src/key-index.js";
import { defaultServer } from "./targets.js";

const gate = await requireContainers();
const CYCLES = 10_000;
const IN_FLIGHT = 50;
const value = new TextEncoder().encode("v");

describe("keys() index stays bounded", () => {
  forEachTarget([defaultServer], { run: gate.run }, ({ server, track }) => {
    let store: MemcachedSessionKVStore;
    beforeAll(async () => {
      store = track(
        new MemcachedSessionKVStore({
          servers: server().endpoint,
          keyPrefix: "bound:",
          operationTimeoutMs: 20_000,
        }),
      );
      await store.start();
    });

    it(`${CYCLES} set/delete cycles of distinct keys leave at most 2 × ${MIN_COMPACT_ENTRIES} entries per bucket`, async () => {
      const keep = Array.from({ length: 100 }, (_, i) => `kept/${i}`);
      await store.mset(keep.map((key) => ({ key, value, ttlMs: 600_000 })));
      for (let i = 0; i < CYCLES; i += IN_FLIGHT) {
        await Promise.all(
          Array.from({ length: IN_FLIGHT }, async (_, j) => {
            const key = `cycle/${i + j}`;
            await store.set(key, value, 600_000);
            await store.delete([key]);
          }),
        );
      }
      const stats = await store.indexStats();
      // Stated bound (README): a bucket holds at most 2 × max(MIN_COMPACT_ENTRIES, its live keys)
      // entries, plus appends in flight during its compaction. Without compaction the index
      // would hold 10,100 entries.
      const perBucket = 2 * MIN_COMPACT_ENTRIES + IN_FLIGHT;
      expect(stats.entries).toBeLessThanOrEqual(INDEX_BUCKETS * perBucket);
      expect(stats.largestBucketBytes).toBeLessThanOrEqual(perBucket * (2 + "cycle/10000".length));
      expect(stats.entries).toBeGreaterThanOrEqual(keep.length); // live keys are never pruned
      expect((await store.keys("")).sort()).toEqual([...keep].sort());
      console.info(
        `index after ${CYCLES} set/delete cycles: ${stats.entries} entries, ${stats.bytes} bytes, largest bucket ${stats.largestBucketBytes} bytes`,
      );
    });

    it("an evicted index bucket loses only its own keys from keys(), and a write of a key re-lists it", async () => {
      const healing = new MemcachedSessionKVStore({ servers: server().endpoint, keyPrefix: "evict:" });
      await healing.start();
      const raw = memjs.Client.create(server().endpoint, { logger: { log: () => undefined } });
      try {
        const keys = Array.from({ length: 200 }, (_, i) => `sessions/c/${i}`);
        await healing.mset(keys.map((key) => ({ key, value, ttlMs: 600_000 })));
        const victim = bucketOf(keys[0]!, INDEX_BUCKETS);
        const lost = keys.filter((k) => bucketOf(k, INDEX_BUCKETS) === victim);
        // What memory-pressure eviction does to the bucket item.
        expect(await raw.delete(new KeyEncoder("evict:").bucketKey(victim))).toBe(true);
        const listed = new Set(await healing.keys("sessions/"));
        expect(listed).toEqual(new Set(keys.filter((k) => !lost.includes(k))));
        expect(await healing.get(lost[0]!)).not.toBeNull(); // the data itself is untouched
        await healing.set(lost[0]!, value, 600_000);
        expect(new Set(await healing.keys("sessions/"))).toEqual(new Set([...listed, lost[0]!]));
      } finally {
        raw.close();
        await healing.close();
      }
    });
  });
});
