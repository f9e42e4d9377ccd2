import { bytes, codeOf, eventually, rejection, sleep } from "@sessionkv/conformance/testing";
import { ErrorCode } from "@sessionkv/core";
import { redisTargets, requireContainers } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import type { Redis } from "ioredis";
import { beforeAll, describe, expect, it } from "vitest";
import { type ListingMode, RedisSessionKVStore } from "../src/index.js";
import { INDEX_MARK } from "../src/listing.js";
import { rawClient, urlOf } from "./helpers.js";

// The listing index (README, "Listing"): a registry-shaped prefix is listed from a per-partition
// sorted set, complete and exact under expiry, deletes, concurrent writers and failed writes.
const gate = await requireContainers();

describe("listing index", () => {
  forEachTarget(redisTargets(), { run: gate.run }, ({ server, track }) => {
    let raw: Redis;
    const open = async (keyPrefix: string, listing?: ListingMode, url = urlOf(server())) => {
      const store = track(new RedisSessionKVStore({ url, keyPrefix, ...(listing ? { listing } : {}) }));
      await store.start();
      return store;
    };

    beforeAll(async () => {
      raw = track(rawClient(server()), (client) => client.disconnect());
      await raw.connect();
    });

    it("lists a partition from the index, not from the database", async () => {
      const store = await open("ix:only:");
      expect(store.listing).toBe("index");
      await store.mset([
        { key: "sessions/c/a", value: bytes("1"), ttlMs: 60_000 },
        { key: "sessions/c/b", value: bytes("2"), ttlMs: 60_000 },
        { key: "sessions/other/x", value: bytes("3"), ttlMs: 60_000 },
      ]);
      // Written behind the store's back, like a Python node: a SCAN would find it, the index does not.
      await raw.set("ix:only:sessions/c/unindexed", "p", "PX", 60_000);
      expect((await store.keys("sessions/c/")).sort()).toEqual(["sessions/c/a", "sessions/c/b"]);
      expect(await store.keys("sessions/c/b")).toEqual(["sessions/c/b"]);
      // Other prefixes scan: complete, and the index's own sorted sets are not records.
      expect((await store.keys("sessions/")).sort()).toEqual([
        "sessions/c/a",
        "sessions/c/b",
        "sessions/c/unindexed",
        "sessions/other/x",
      ]);
      const indexKey = `ix:only:${INDEX_MARK}sessions/c/`;
      expect(await raw.type(indexKey)).toBe("zset");
      expect((await store.keys("")).some((key) => key.includes("\u0000"))).toBe(false);
      for (const listing of ["index+scan", "scan"] as const) {
        const scanning = await open("ix:only:", listing);
        expect((await scanning.keys("sessions/c/")).sort(), listing).toEqual([
          "sessions/c/a",
          "sessions/c/b",
          "sessions/c/unindexed",
        ]);
      }
      // The sorted set expires a minute after its last deadline, and a shorter write never shortens it.
      await store.set("sessions/c/b", bytes("2"), 1_000);
      const pttl = await raw.pttl(indexKey);
      expect(pttl).toBeGreaterThan(100_000);
      expect(pttl).toBeLessThanOrEqual(120_000);
      await store.expire(["sessions/c/a"], 200_000);
      expect(await raw.pttl(indexKey)).toBeGreaterThan(250_000);
    });

    it("never lists a deleted record, nor one that expired without any delete", async () => {
      const store = await open("ix:expiry:");
      await store.set("sessions/c/short", bytes("s"), 150);
      await store.set("sessions/c/long", bytes("l"), 60_000);
      await store.set("sessions/c/deleted", bytes("d"), 60_000);
      // A shorter TTL after a longer one: the entry keeps the later deadline, the record the earlier.
      await store.set("sessions/c/shortened", bytes("x"), 60_000);
      await store.set("sessions/c/shortened", bytes("x"), 150);
      await store.delete(["sessions/c/deleted"]);
      expect((await store.keys("sessions/c/")).sort()).toEqual([
        "sessions/c/long",
        "sessions/c/short",
        "sessions/c/shortened",
      ]);
      await sleep(400);
      expect(await store.keys("sessions/c/")).toEqual(["sessions/c/long"]);
      // Refreshed past its first deadline: still listed (the entry's deadline rose with it).
      await store.set("sessions/c/refreshed", bytes("r"), 300);
      await store.expire(["sessions/c/refreshed"], 60_000);
      await sleep(500);
      expect((await store.keys("sessions/c/")).sort()).toEqual(["sessions/c/long", "sessions/c/refreshed"]);
    });

    it("refuses keys in the index's reserved space", async () => {
      const store = await open("ix:reserved:");
      for (const run of [
        () => store.set(`${INDEX_MARK}sessions/c/`, bytes("x"), 1_000),
        () => store.mset([{ key: `${INDEX_MARK}x`, value: bytes("x"), ttlMs: 1_000 }]),
        () => store.expire([`${INDEX_MARK}x`], 1_000),
        () => store.delete([`${INDEX_MARK}sessions/c/`]),
      ]) {
        const { error } = await rejection(run);
        expect(codeOf(error)).toBe(ErrorCode.INVALID_ARGUMENT);
      }
    });

    it("stays exact under concurrent writers on two stores", async () => {
      const a = await open("ix:race:");
      const b = await open("ix:race:");
      const keys = Array.from({ length: 40 }, (_, i) => `sessions/c/s${i}`);
      const work: Promise<unknown>[] = [];
      for (let round = 0; round < 5; round++) {
        for (const [i, key] of keys.entries()) {
          const store = (i + round) % 2 === 0 ? a : b;
          if ((i * 7 + round) % 3 === 0) work.push(store.delete([key]));
          else if ((i + round) % 4 === 0) work.push(store.expire([key], 60_000));
          else work.push(store.set(key, bytes(key), (i + round) % 5 === 0 ? 200 : 60_000));
        }
      }
      await Promise.all(work);
      // Whatever order the race settled in, some keys are written once more afterwards, so
      // the comparison below covers live keys as well as deleted and expired ones.
      await Promise.all(keys.filter((_, i) => i % 4 === 1).map((key) => b.set(key, bytes(key), 60_000)));
      await sleep(300);
      const scanner = await open("ix:race:", "scan");
      const truth = (await scanner.keys("sessions/c/")).sort();
      expect(truth.length).toBeGreaterThan(5);
      expect((await a.keys("sessions/c/")).sort()).toEqual(truth);
      expect((await b.keys("sessions/c/")).sort()).toEqual(truth);
    });

    it("a write refused halfway leaves neither the record nor a stray listing", async () => {
      // An ACL user that may write records but not the index: the MULTI is refused whole.
      await raw.call("ACL", ...["SETUSER", "noindex", "reset", "on", ">pw", "~ix:acl:*", "+@all", "-zadd"]);
      const store = await open("ix:acl:", "index", urlOf(server(), "noindex:pw@"));
      const { error } = await rejection(() => store.set("sessions/c/s", bytes("v"), 60_000));
      expect(codeOf(error)).toBe(ErrorCode.STORE_MISCONFIGURED);
      expect(await raw.exists("ix:acl:sessions/c/s")).toBe(0);
      const mset = await rejection(() =>
        store.mset([{ key: "sessions/c/t", value: bytes("v"), ttlMs: 60_000 }]),
      );
      expect(codeOf(mset.error)).toBe(ErrorCode.STORE_MISCONFIGURED);
      expect(await raw.exists("ix:acl:sessions/c/t")).toBe(0);
      // Keys outside any partition carry no index entry and are written as before.
      await store.set("plain", bytes("v"), 60_000);
      await eventually(async () => expect(await raw.exists("ix:acl:plain")).toBe(1));
    });

    it("a refresh whose index entries are refused extends no record, small or large", async () => {
      // Up to 1,000 keys an expire is one MULTI, refused whole; beyond, it raises the entries in
      // a pipeline of its own and sends the PEXPIREs only once that succeeded. Either way a
      // refused ZADD must leave every record's TTL as it was.
      await raw.call("ACL", ...["SETUSER", "noindex2", "reset", "on", ">pw", "~ix:acl2:*", "+@all", "-zadd"]);
      const store = await open("ix:acl2:", "index", urlOf(server(), "noindex2:pw@"));
      for (const count of [1, 1_001]) {
        const keys = Array.from({ length: count }, (_, i) => `sessions/c${count}/s${i}`);
        const seed = raw.pipeline();
        for (const key of keys) seed.set(`ix:acl2:${key}`, "v", "PX", 60_000);
        await seed.exec();
        const { error } = await rejection(() => store.expire(keys, 600_000));
        expect(codeOf(error)).toBe(ErrorCode.STORE_MISCONFIGURED);
        for (const key of [keys[0]!, keys[count - 1]!]) {
          expect(await raw.pttl(`ix:acl2:${key}`)).toBeLessThanOrEqual(60_000);
          expect(await raw.pttl(`ix:acl2:${key}`)).toBeGreaterThan(0);
        }
      }
    });
  });
});
