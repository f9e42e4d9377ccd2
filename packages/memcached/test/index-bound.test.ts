import { requireContainers } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import memjs from "memjs";
import { beforeAll, describe, expect, it } from "vitest";
import { MemcachedSessionKVStore } from "../src/index.js";
import { KeyEncoder } from "../src/key-encoding.js";
import { COUNT_EVERY, MIN_COMPACT_ENTRIES } from "../src/key-index.js";
import { DIRECTORY_BUCKETS, ROOT_BUCKETS } from "../src/listing-index.js";
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
      // entries, plus appends in flight during its compaction and this process's uncounted ones. Without compaction the index
      // would hold 10,100 entries.
      const perBucket = 2 * MIN_COMPACT_ENTRIES + IN_FLIGHT + COUNT_EVERY;
      expect(stats.entries).toBeLessThanOrEqual(ROOT_BUCKETS * perBucket);
      expect(stats.largestBucketBytes).toBeLessThanOrEqual(perBucket * (2 + "cycle/10000".length));
      expect(stats.entries).toBeGreaterThanOrEqual(keep.length); // live keys are never pruned
      expect((await store.keys("")).sort()).toEqual([...keep].sort());
      console.info(
        `index after ${CYCLES} set/delete cycles: ${stats.entries} entries, ${stats.bytes} bytes, largest bucket ${stats.largestBucketBytes} bytes`,
      );
    });

    it(`${CYCLES} scopes written once and deleted leave at most ${MIN_COMPACT_ENTRIES} directory entries per bucket, and their scope items are deleted`, async () => {
      const churn = new MemcachedSessionKVStore({
        servers: server().endpoint,
        keyPrefix: "scope-churn:",
        operationTimeoutMs: 20_000,
      });
      await churn.start();
      const raw = memjs.Client.create(server().endpoint, { logger: { log: () => undefined } });
      try {
        await churn.set("sessions/kept/s", value, 600_000);
        for (let i = 0; i < CYCLES; i += IN_FLIGHT) {
          await Promise.all(
            Array.from({ length: IN_FLIGHT }, async (_, j) => {
              const key = `sessions/call-${i + j}/s`;
              await churn.set(key, value, 600_000);
              await churn.delete([key]);
            }),
          );
        }
        const stats = await churn.indexStats();
        // Every scope was entered in the directory once; the directory's compactions dropped
        // the dead ones and deleted their scope items. After a compaction that kept nothing a
        // bucket takes MIN_COMPACT_ENTRIES appends (plus those in flight) before the next one.
        const scopesListed = stats.buckets - ROOT_BUCKETS - DIRECTORY_BUCKETS;
        expect(scopesListed).toBeLessThanOrEqual(
          DIRECTORY_BUCKETS * (MIN_COMPACT_ENTRIES + IN_FLIGHT + COUNT_EVERY),
        );
        const encoder = new KeyEncoder("scope-churn:");
        let scopeItemsLeft = 0;
        for (let i = 0; i < CYCLES; i += 500) {
          const items = await Promise.all(
            Array.from({ length: 500 }, (_, j) => raw.get(encoder.scopeKey(`sessions/call-${i + j}/`))),
          );
          scopeItemsLeft += items.filter((r) => r.value !== null).length;
        }
        expect(scopeItemsLeft).toBeLessThanOrEqual(
          DIRECTORY_BUCKETS * (MIN_COMPACT_ENTRIES + IN_FLIGHT + COUNT_EVERY),
        );
        expect(await churn.keys("sessions/")).toEqual(["sessions/kept/s"]);
        console.info(
          `after ${CYCLES} one-key scopes: ${scopesListed} scopes listed, ${scopeItemsLeft} scope items left`,
        );
      } finally {
        raw.close();
        await churn.close();
      }
    });

    it("a lost scope index hides only that scope's keys; a write re-lists a key, one refresh re-lists them all", async () => {
      const healing = new MemcachedSessionKVStore({ servers: server().endpoint, keyPrefix: "evict:" });
      await healing.start();
      const raw = memjs.Client.create(server().endpoint, { logger: { log: () => undefined } });
      try {
        const lost = Array.from({ length: 20 }, (_, i) => `sessions/lost/${i}`);
        const other = Array.from({ length: 20 }, (_, i) => `sessions/other/${i}`);
        await healing.mset([...lost, ...other].map((key) => ({ key, value, ttlMs: 600_000 })));
        // What memory-pressure eviction, or a restart of the server holding it, does to the item.
        expect(await raw.delete(new KeyEncoder("evict:").scopeKey("sessions/lost/"))).toBe(true);
        expect(await healing.keys("sessions/lost/")).toEqual([]);
        expect(new Set(await healing.keys("sessions/"))).toEqual(new Set(other));
        expect(await healing.get(lost[0]!)).not.toBeNull(); // the data itself is untouched
        await healing.set(lost[0]!, value, 600_000);
        expect(await healing.keys("sessions/lost/")).toEqual([lost[0]]);
        // The registry's heartbeat: one expire of the scope's keys lists every one again.
        await healing.expire(lost, 600_000);
        expect(new Set(await healing.keys("sessions/lost/"))).toEqual(new Set(lost));
        expect(new Set(await healing.keys(""))).toEqual(new Set([...lost, ...other]));
      } finally {
        raw.close();
        await healing.close();
      }
    });
  });
});
