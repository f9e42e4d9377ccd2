import { CONFORMANCE_OPERATION_TIMEOUT_MS } from "@sessionkv/conformance";
import { etcdTargets, requireContainers } from "@sessionkv/conformance/containers";
import { bytes, text } from "@sessionkv/conformance/testing";
import { forEachTarget } from "@sessionkv/conformance/vitest";
import type { Etcd3 } from "etcd3";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EtcdSessionKVStore } from "../src/index.js";
import { hostsOf, liveLeases, rawClient } from "./helpers.js";

// Lease economy under a steady heartbeat load: leases are shared, unused ones are revoked, so
// the number of live leases on the server stays bounded however many cycles run.
const gate = await requireContainers();

const KEYS = 1_000;
const CYCLES = 20;
const TTL_MS = 30_000;
/**
 * The stated bound on live leases during the load, from the design (lease-pool.ts): one lease
 * per 1 s bucket that the current cycle's deadlines fall in, the same for the previous cycle's
 * buckets until their last key moves off and the revoke lands, plus the prefetched next bucket,
 * the two warm-up leases of start() (they run out unused within 3 s) and, for expire, the
 * current exact lease. On a quiet machine a cycle spans at most 2 buckets, which gives 8
 * (observed: 4-5); a stalled cycle spans as many buckets as seconds it took, so each cycle's
 * bound comes from the durations measured around it and its predecessor.
 */
const BUCKET_MS = 1_000;
const bucketsSpanned = (cycleMs: number) => Math.ceil(cycleMs / BUCKET_MS) + 1;
const leaseBound = (cycleMs: number, previousCycleMs: number) =>
  Math.max(2, bucketsSpanned(cycleMs)) + Math.max(2, bucketsSpanned(previousCycleMs)) + 4;
const LEASE_BOUND = leaseBound(0, 0);
const show = (counts: readonly { leases: number; bound: number }[]) =>
  counts.map(({ leases, bound }) => `${leases}/${bound}`).join(" ");

describe("leases", () => {
  forEachTarget(etcdTargets(), { run: gate.run }, ({ target, server, track }) => {
    let raw: Etcd3;
    beforeAll(() => {
      raw = track(rawClient(server()));
    });
    beforeEach(async () => {
      // Each test counts leases from zero: nothing else runs on this server.
      const { leases } = await raw.leaseClient.leaseLeases();
      await Promise.all(
        leases.map((lease) => raw.leaseClient.leaseRevoke({ ID: lease.ID }).catch(() => undefined)),
      );
    });

    const keys = Array.from({ length: KEYS }, (_, i) => `sessions/call${i % 25}/session${i}`);

    async function heartbeat(
      refresh: (store: EtcdSessionKVStore, cycle: number) => Promise<void>,
    ): Promise<{ leases: number; bound: number }[]> {
      const store = new EtcdSessionKVStore({
        hosts: hostsOf(server()),
        keyPrefix: "hb:",
        operationTimeoutMs: CONFORMANCE_OPERATION_TIMEOUT_MS,
      });
      try {
        await store.start();
        await store.mset(keys.map((key) => ({ key, value: bytes("v0"), ttlMs: TTL_MS })));
        const counts: { leases: number; bound: number }[] = [];
        let previousMs = 0;
        for (let cycle = 1; cycle <= CYCLES; cycle++) {
          const began = performance.now();
          await refresh(store, cycle);
          const leases = await liveLeases(raw);
          const tookMs = performance.now() - began;
          counts.push({ leases, bound: leaseBound(tookMs, previousMs) });
          previousMs = tookMs;
        }
        // Revocation never took a live key with it.
        const values = await store.mget(keys);
        expect(values.filter((value) => value === null)).toHaveLength(0);
        await store.delete(keys);
        return counts;
      } finally {
        await store.close();
      }
    }

    it(`expire of ${KEYS} keys for ${CYCLES} cycles keeps live leases ≤ ${LEASE_BOUND}, plus the buckets a stall stretches a cycle over`, async () => {
      const counts = await heartbeat((store) => store.expire(keys, TTL_MS));
      console.log(`[${target.name}] live leases/bound per expire cycle: ${show(counts)}`);
      for (const { leases, bound } of counts) expect(leases).toBeLessThanOrEqual(bound);
    });

    it(`a set per key (${KEYS} concurrent) for ${CYCLES} cycles keeps live leases ≤ ${LEASE_BOUND}, plus the buckets a stall stretches a cycle over`, async () => {
      const counts = await heartbeat((store, cycle) =>
        Promise.all(keys.map((key) => store.set(key, bytes(`v${cycle}`), TTL_MS))).then(() => undefined),
      );
      console.log(`[${target.name}] live leases/bound per set cycle: ${show(counts)}`);
      for (const { leases, bound } of counts) expect(leases).toBeLessThanOrEqual(bound);
    });

    it("keys written together share one lease; a lease revoked behind the store's back is replaced", async () => {
      const store = new EtcdSessionKVStore({ hosts: hostsOf(server()), keyPrefix: "share:" });
      try {
        await store.start();
        await store.mset(keys.slice(0, 300).map((key) => ({ key, value: bytes("v"), ttlMs: TTL_MS })));
        const { kvs } = await raw.getAll().prefix("share:").exec();
        const used = new Set(kvs.map((kv) => kv.lease));
        // One bucket, or two when the batch straddled a bucket boundary.
        expect(used.size).toBeLessThanOrEqual(2);
        expect(used.has("0")).toBe(false);

        // An operator revokes the lease: its keys go, and the store's next write in the same
        // bucket meets "lease not found" and must retry with a fresh lease.
        for (const id of used) await raw.leaseClient.leaseRevoke({ ID: id });
        await store.set("after-revoke", bytes("x"), TTL_MS);
        expect(text(await store.get("after-revoke"))).toBe("x");
        const { kvs: after } = await raw.getAll().prefix("share:after-revoke").exec();
        expect(after[0]?.lease).toBeDefined();
        expect(used.has(after[0]!.lease)).toBe(false);
      } finally {
        await store.close();
      }
    });

    it("close() leaves the leases of live keys alone (keys outlive the store until their TTL)", async () => {
      const store = new EtcdSessionKVStore({ hosts: hostsOf(server()), keyPrefix: "closing:" });
      await store.start();
      await store.set("k", bytes("v"), TTL_MS);
      await store.close();
      const other = new EtcdSessionKVStore({ hosts: hostsOf(server()), keyPrefix: "closing:" });
      try {
        await other.start();
        expect(text(await other.get("k"))).toBe("v");
      } finally {
        await other.close();
      }
    });
  });
});
