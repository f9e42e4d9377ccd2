import { CONFORMANCE_OPERATION_TIMEOUT_MS } from "@sessionkv/conformance";
import { bytes, sleep, text } from "@sessionkv/conformance/testing";
import { type ServerTarget, etcdTargets, requireContainers } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import type { Etcd3 } from "etcd3";
import { beforeAll, describe, expect, it } from "vitest";
import { EtcdSessionKVStore } from "../src/index.js";
import { hostsOf, rawClient } from "./helpers.js";

// Behaviour specific to etcd: transaction guards under races, expired-but-not-yet-collected keys
// (a lease outlives its keys' exact deadlines), batching within a low --max-txn-ops, and
// listing pagination over 10,000 keys.
const gate = await requireContainers();

/** Deliberately low, so every batch path needs several transactions. */
const MAX_TXN_OPS = 16;

describe("etcd specifics", () => {
  const lowTxnOps = {
    run: gate.run,
    start: (target: ServerTarget) => target.start({ args: [`--max-txn-ops=${MAX_TXN_OPS}`] }),
  };
  forEachTarget(etcdTargets(), lowTxnOps, ({ server, track }) => {
    let raw: Etcd3;
    const storeAt = async (keyPrefix: string, extra: { maxTxnOps?: number; pageSize?: number } = {}) => {
      const store = track(
        new EtcdSessionKVStore({
          hosts: hostsOf(server()),
          keyPrefix,
          operationTimeoutMs: CONFORMANCE_OPERATION_TIMEOUT_MS,
          ...extra,
        }),
      );
      await store.start();
      return store;
    };
    beforeAll(() => {
      raw = track(rawClient(server()));
    });

    it("expire racing a concurrent put keeps the put's value (both orders, many rounds)", async () => {
      const store = await storeAt("race:");
      const writer = await storeAt("race:");
      for (let round = 0; round < 50; round++) {
        const key = `k${round}`;
        await store.set(key, bytes("old"), 60_000);
        const expire = store.expire([key], 120_000);
        const put = writer.set(key, bytes(`new${round}`), 60_000);
        await Promise.all(round % 2 === 0 ? [expire, put] : [put, expire]);
        expect(text(await store.get(key))).toBe(`new${round}`);
      }
      // ...and a put through the raw client, which knows nothing of the store's leases.
      await store.set("rawk", bytes("old"), 60_000);
      await Promise.all([store.expire(["rawk"], 120_000), raw.put("race:rawk").value("foreign")]);
      const { kvs } = await raw.getAll().prefix("race:rawk").exec();
      expect(kvs[0]?.value.toString()).toBe("foreign");
    });

    it("a key past its exact deadline but still held by its lease is treated as gone everywhere", async () => {
      const store = await storeAt("held:");
      await store.set("k", bytes("v"), 50);
      await store.set("keep", bytes("v"), 60_000);
      await sleep(150);
      // The lease (≥ 2 s) still holds the key on the server...
      expect(await raw.get("held:k").exists()).toBe(true);
      // ...but every read filters on the exact deadline, and guarded writes see it as missing.
      expect(await store.get("k")).toBeNull();
      expect(await store.mget(["k", "keep"])).toEqual([null, bytes("v")]);
      expect(await store.keys("")).toEqual(["keep"]);
      await store.set("k", bytes("revived?"), 60_000, { onlyIfExists: true });
      await store.expire(["k"], 60_000);
      expect(await store.get("k")).toBeNull();
      expect(await store.keys("")).toEqual(["keep"]);
    });

    it("a claim takes a key past its deadline but still held by its lease, bucket or exact, and only once", async () => {
      const store = await storeAt("claims:");
      const rival = await storeAt("claims:");
      // A bucket lease (the deadline in the value) and an exact one (expire: the lease ID is the deadline).
      await store.set("bucket", bytes("old"), 50);
      await store.set("exact", bytes("old"), 60_000);
      await store.expire(["exact"], 50);
      await sleep(150);
      for (const key of ["bucket", "exact"]) {
        expect(await raw.get(`claims:${key}`).exists(), `${key} still on the server`).toBe(true);
        expect(await store.deleteIfEquals(key, bytes("old")), `${key}: released after its deadline`).toBe(
          false,
        );
        const won = await Promise.all([
          store.setIfAbsent(key, bytes("mine"), 60_000),
          rival.setIfAbsent(key, bytes("theirs"), 60_000),
        ]);
        expect(won.filter(Boolean), `${key}: one claimer wins`).toHaveLength(1);
        expect(text(await store.get(key))).toBe(won[0] ? "mine" : "theirs");
      }
      // A live exact-lease key (refreshed) is refused, and released by its value only.
      await store.expire(["bucket"], 60_000);
      const holder = text(await store.get("bucket"))!;
      expect(await rival.setIfAbsent("bucket", bytes("late"), 60_000)).toBe(false);
      expect(await rival.deleteIfEquals("bucket", bytes("late"))).toBe(false);
      expect(await rival.deleteIfEquals("bucket", bytes(holder))).toBe(true);
      expect(await raw.get("claims:bucket").exists()).toBe(false);
    });

    it(`batches stay within --max-txn-ops=${MAX_TXN_OPS}: mset, mget, expire, onlyIfExists and delete of 500 keys`, async () => {
      const store = await storeAt("batch:", { maxTxnOps: MAX_TXN_OPS });
      const keys = Array.from({ length: 500 }, (_, i) => `k${i}`);
      await store.mset(keys.map((key, i) => ({ key, value: bytes(`v${i}`), ttlMs: 60_000 })));
      expect((await store.mget(keys)).map(text)).toEqual(keys.map((_, i) => `v${i}`));
      await store.expire([...keys, "missing"], 120_000);
      await store.set("missing", bytes("x"), 60_000, { onlyIfExists: true });
      expect(await store.get("missing")).toBeNull();
      expect((await store.keys("")).length).toBe(500);
      await store.delete(keys);
      expect(await store.keys("")).toEqual([]);
    });

    it("keys() is complete over 10,000 keys with a small page size, and filters expired ones", async () => {
      const store = await storeAt("many:", { pageSize: 700, maxTxnOps: MAX_TXN_OPS });
      const keys = Array.from({ length: 10_000 }, (_, i) => `sessions/c${i % 50}/s${i}`);
      await store.mset(keys.map((key) => ({ key, value: bytes("v"), ttlMs: 60_000 })));
      await store.mset([{ key: "sessions/c0/short", value: bytes("v"), ttlMs: 30 }]);
      await sleep(80);
      const listed = await store.keys("");
      expect(listed.length).toBe(10_000);
      expect(new Set(listed)).toEqual(new Set(keys));
      expect((await store.keys("sessions/c7/")).length).toBe(200);
    });

    it("a store on a given client does not close it", async () => {
      const client = rawClient(server());
      try {
        const store = new EtcdSessionKVStore({ client, keyPrefix: "given:" });
        await store.start();
        await store.set("k", bytes("v"), 60_000);
        await store.close();
        await client.put("given:direct").value("still open");
        expect(await client.get("given:direct").string()).toBe("still open");
      } finally {
        client.close();
      }
    });
  });
});
