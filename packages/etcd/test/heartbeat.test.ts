import { bytes, sleep, text } from "@sessionkv/conformance/testing";
import { etcdTargets, requireContainers } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import type { Etcd3 } from "etcd3";
import { beforeAll, describe, expect, it } from "vitest";
import { EtcdSessionKVStore } from "../src/index.js";
import { hostsOf, rawClient } from "./helpers.js";

// heartbeatLeases: the steady-state heartbeat (same keys, same TTL, every cycle) is one lease
// keepalive and writes no revision, while expire keeps its contract: only the listed keys are
// refreshed, a concurrent write's value survives and takes the new TTL, nothing is resurrected.
const gate = await requireContainers();

const SESSIONS = 1_000;
const TTL_MS = 3_000;
/** Declared expiryLagMs with heartbeatLeases, plus scheduling slack on a loaded machine. */
const GONE_BY_MS = TTL_MS + 2_000 + 1_000;

describe("heartbeat leases", () => {
  forEachTarget(etcdTargets(), { run: gate.run }, ({ server, track }) => {
    let raw: Etcd3;
    beforeAll(() => {
      raw = track(rawClient(server()));
    });
    const storeAt = async (keyPrefix: string) => {
      const store = track(
        new EtcdSessionKVStore({ hosts: hostsOf(server()), keyPrefix, heartbeatLeases: true }),
      );
      await store.start();
      return store;
    };
    /** The cluster's revision: it moves with every write, anywhere. */
    const revision = async () => (await raw.kv.range({ key: Buffer.from("\0") })).header.revision;
    const leaseOf = async (key: string) => (await raw.getAll().prefix(key).exec()).kvs[0]?.lease;

    it(`a steady heartbeat of ${SESSIONS} sessions is one keepalive per cycle and writes nothing`, async (context) => {
      const store = await storeAt("steady:");
      const keys = Array.from({ length: SESSIONS }, (_, i) => `sessions/call${i % 25}/s${i}`);
      await store.mset(keys.map((key) => ({ key, value: bytes(`v-${key}`), ttlMs: TTL_MS })));
      // The first refresh moves the keys onto one kept lease: that one writes.
      await store.expire(keys, TTL_MS);
      const before = await revision();
      const keepalives = store.leaseStats.keptAlive;
      // Six cycles of 1 s: together twice the TTL, so only the keepalives keep the keys alive.
      // Each keepalive provably reached the lease alive only if it resolved before the previous
      // one was issued plus the TTL; a stall past that lets the lease lapse, and the re-put that
      // follows is the contract working, not a heartbeat that writes.
      let previousIssued = performance.now();
      let longestGapMs = 0;
      for (let cycle = 0; cycle < 6; cycle++) {
        await sleep(1_000);
        const issued = performance.now();
        await store.expire(keys, TTL_MS);
        longestGapMs = Math.max(longestGapMs, performance.now() - previousIssued);
        previousIssued = issued;
      }
      if (longestGapMs >= TTL_MS)
        context.skip(
          `the machine stalled: a keepalive came ${Math.round(longestGapMs)} ms after the one before`,
        );
      expect(await revision()).toBe(before);
      expect(store.leaseStats.keptAlive - keepalives).toBe(6);
      const values = await store.mget(keys);
      expect(values.map(text)).toEqual(keys.map((key) => `v-${key}`));
      expect(new Set(await Promise.all(keys.slice(0, 50).map(leaseOf))).size).toBe(1);
    });

    it("only the listed keys are refreshed: a lease shared with an unlisted key is not renewed", async () => {
      const store = await storeAt("listed:");
      await store.mset(["a", "b"].map((key) => ({ key, value: bytes(key), ttlMs: TTL_MS })));
      await store.expire(["a", "b"], TTL_MS);
      await store.expire(["a", "b"], TTL_MS);
      const started = Date.now();
      while (Date.now() - started < GONE_BY_MS) {
        await store.expire(["a"], TTL_MS);
        await sleep(500);
      }
      expect(await store.get("b")).toBeNull();
      expect(text(await store.get("a"))).toBe("a");
    });

    it("a write between heartbeats keeps its value and takes the heartbeat's TTL", async () => {
      const store = await storeAt("write:");
      const writer = await storeAt("write:");
      await store.mset(["a", "b"].map((key) => ({ key, value: bytes("old"), ttlMs: TTL_MS })));
      await store.expire(["a", "b"], TTL_MS);
      await writer.set("a", bytes("new"), 600_000);
      await store.expire(["a", "b"], TTL_MS);
      expect(text(await store.get("a"))).toBe("new");
      // Back on the heartbeat's lease, so it expires with the others, not in ten minutes.
      expect(await leaseOf("write:a")).toBe(await leaseOf("write:b"));
      await sleep(GONE_BY_MS);
      expect(await store.mget(["a", "b"])).toEqual([null, null]);
    });

    it("deleted and expired keys are never brought back", async () => {
      const store = await storeAt("gone:");
      await store.mset(["a", "b"].map((key) => ({ key, value: bytes(key), ttlMs: TTL_MS })));
      await store.expire(["a", "b"], TTL_MS);
      await store.delete(["a"]);
      await store.expire(["a", "b"], TTL_MS);
      expect(await store.get("a")).toBeNull();
      await sleep(GONE_BY_MS);
      await store.expire(["a", "b"], TTL_MS);
      expect(await store.mget(["a", "b"])).toEqual([null, null]);
      expect(await store.keys("")).toEqual([]);
    });
  });
});
