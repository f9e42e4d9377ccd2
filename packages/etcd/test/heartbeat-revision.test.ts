import { bytes, text } from "@sessionkv/conformance/testing";
import { etcdTargets, requireContainers } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import type { Etcd3 } from "etcd3";
import { beforeAll, describe, expect, it } from "vitest";
import { EtcdSessionKVStore } from "../src/index.js";
import { rawClient } from "./helpers.js";

// heartbeatLeases at scale: once the server was seen holding every key of the kept lease, a
// heartbeat is a keepalive and an O(1) revision read; the lease's keys are listed again (an
// answer as long as the sessions) only after the cluster's revision moved, and then a write or
// delete by another client is still found: the value survives, nothing is resurrected.
const gate = await requireContainers();

const SESSIONS = 10_000;
/** Long enough that no key expires on a loaded machine during a test: expiry is heartbeat.test.ts's concern. */
const TTL_MS = 60_000;

describe("heartbeat leases: the steady check does not grow with the sessions", () => {
  forEachTarget(etcdTargets(), { run: gate.run }, ({ server, track }) => {
    let raw: Etcd3;
    beforeAll(() => {
      raw = track(rawClient(server()));
    });
    /** A store on its own client, whose LeaseTimeToLive calls (the listing of a lease's keys) are counted. */
    const storeAt = async (keyPrefix: string) => {
      const client = track(rawClient(server()));
      const listings = { count: 0 };
      const leaseTimeToLive = client.leaseClient.leaseTimeToLive.bind(client.leaseClient);
      client.leaseClient.leaseTimeToLive = (...args) => {
        listings.count++;
        return leaseTimeToLive(...args);
      };
      const store = track(new EtcdSessionKVStore({ client, keyPrefix, heartbeatLeases: true }));
      await store.start();
      return { store, listings };
    };
    const revision = async () => (await raw.kv.range({ key: Buffer.from("\0") })).header.revision;
    const leaseOf = async (key: string) => (await raw.getAll().prefix(key).exec()).kvs[0]?.lease;

    it(`${SESSIONS} sessions: a steady heartbeat is one keepalive, no listing, no revision`, async () => {
      const { store, listings } = await storeAt("scale:");
      const keys = Array.from({ length: SESSIONS }, (_, i) => `sessions/call${i % 100}/s${i}`);
      await store.mset(keys.map((key) => ({ key, value: bytes(`v-${key}`), ttlMs: TTL_MS })));
      await store.expire(keys, TTL_MS); // onto one kept lease: writes
      await store.expire(keys, TTL_MS); // lists the lease's keys once, finds them all
      const before = {
        revision: await revision(),
        keepalives: store.leaseStats.keptAlive,
        listings: listings.count,
      };
      for (let cycle = 0; cycle < 5; cycle++) await store.expire(keys, TTL_MS);
      expect(await revision()).toBe(before.revision);
      expect(store.leaseStats.keptAlive - before.keepalives).toBe(5);
      expect(listings.count - before.listings).toBe(0);
      expect((await store.mget(keys.slice(0, 500))).map(text)).toEqual(
        keys.slice(0, 500).map((key) => `v-${key}`),
      );
    });

    it("a prepared key set (the registry's) is matched again once one of its keys left the lease", async () => {
      const { store } = await storeAt("prepared:");
      const names = ["a", "b", "c"];
      await store.mset(names.map((key) => ({ key, value: bytes("v"), ttlMs: TTL_MS })));
      const keys = store.prepare(names);
      for (let cycle = 0; cycle < 3; cycle++) await store.expire(keys, TTL_MS);
      // This store's own plain set moves "a" to a lease of its ten minutes, off the kept lease.
      await store.set("a", bytes("w"), 600_000);
      expect(await leaseOf("prepared:a")).not.toBe(await leaseOf("prepared:c"));
      await store.expire(keys, TTL_MS);
      expect(await leaseOf("prepared:a")).toBe(await leaseOf("prepared:c"));
      expect(text(await store.get("a"))).toBe("w");
    });

    it("after steady heartbeats, another client's write keeps its value and its delete stays deleted", async () => {
      const { store, listings } = await storeAt("foreign:");
      const other = track(new EtcdSessionKVStore({ client: raw, keyPrefix: "foreign:" }));
      await other.start();
      const keys = ["a", "b", "c"];
      await store.mset(keys.map((key) => ({ key, value: bytes("old"), ttlMs: TTL_MS })));
      await store.expire(keys, TTL_MS);
      await store.expire(keys, TTL_MS);
      const steady = listings.count;
      await store.expire(keys, TTL_MS);
      expect(listings.count).toBe(steady);

      await other.set("a", bytes("new"), 600_000);
      await other.delete(["b"]);
      await store.expire(keys, TTL_MS);
      expect(listings.count).toBe(steady + 1);
      expect(await store.get("b")).toBeNull();
      expect(text(await store.get("a"))).toBe("new");
      // Back on the heartbeat's lease with the key that stayed, not on the writer's ten minutes.
      expect(await leaseOf("foreign:a")).toBe(await leaseOf("foreign:c"));
      // The move was a write of this store: one more listing finds the lease complete again.
      await store.expire(keys, TTL_MS);
      await store.expire(keys, TTL_MS);
      expect(listings.count).toBe(steady + 2);
      expect((await store.mget(keys)).map(text)).toEqual(["new", null, "old"]);
    });

    it("a write elsewhere in the cluster costs one listing, then the heartbeat is steady again", async () => {
      const { store, listings } = await storeAt("elsewhere:");
      await store.mset(["a", "b"].map((key) => ({ key, value: bytes("v"), ttlMs: TTL_MS })));
      await store.expire(["a", "b"], TTL_MS);
      await store.expire(["a", "b"], TTL_MS);
      const steady = listings.count;
      await raw.put("elsewhere-unrelated").value("x");
      const before = await revision();
      await store.expire(["a", "b"], TTL_MS);
      await store.expire(["a", "b"], TTL_MS);
      await store.expire(["a", "b"], TTL_MS);
      expect(listings.count).toBe(steady + 1);
      expect(await revision()).toBe(before);
      await raw.delete().key("elsewhere-unrelated");
    });
  });
});
