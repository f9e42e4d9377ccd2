import { TcpProxy, bytes, sleep } from "@sessionkv/conformance/testing";
import { defaultImage, requireContainers, startBackend } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import { describe, expect, it } from "vitest";
import { EtcdSessionKVStore } from "../src/index.js";

// A 0.1 s drop of every connection to a 3-member cluster (one proxy per member), under a store
// listing with 30 calls in flight, as the fault table's observer does: every member fails at
// once, so every host's breaker opens. Calls made once the members answer again must succeed,
// not be refused for the breakers' pause (docs/faults.md, the etcd cluster's drop row).
const gate = await requireContainers();

const IN_FLIGHT = 30;
const DROP_MS = 100;
/** Time for fresh connections to the members after the drop ends, on a loaded machine. */
const RECONNECT_MS = 300;

const cluster = {
  name: "etcd-cluster (3 members)",
  start: () => startBackend("etcd-cluster", { image: defaultImage("etcd-cluster") }),
};

describe("a connection drop on every member of a cluster", () => {
  forEachTarget([cluster], { run: gate.run }, ({ server, track }) => {
    it(`lists again within ${RECONNECT_MS} ms of a ${DROP_MS} ms drop`, async () => {
      const proxies = await Promise.all(
        server().ports.map((port) => TcpProxy.start(new URL(`http://127.0.0.1:${port}`))),
      );
      for (const proxy of proxies) track({ close: () => proxy.close() });
      const store = track(
        new EtcdSessionKVStore({ hosts: proxies.map((p) => p.url), operationTimeoutMs: 2_000 }),
      );
      await store.start();
      await store.set("session", bytes("s"), 60_000);

      const calls: { startedAt: number; listed: boolean }[] = [];
      let running = true;
      const load = Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (running) {
            const startedAt = performance.now();
            const listed = await store.keys("session").then(
              (keys) => keys.includes("session"),
              () => false,
            );
            calls.push({ startedAt, listed });
            await sleep(20);
          }
        }),
      );
      await sleep(1_000);
      for (const proxy of proxies) proxy.drop(DROP_MS);
      const droppedUntil = performance.now() + DROP_MS;
      await sleep(3_000);
      running = false;
      await load;

      const failed = calls.filter((c) => !c.listed);
      const lateFailures = failed
        .filter((c) => c.startedAt >= droppedUntil + RECONNECT_MS)
        .map((c) => Math.round(c.startedAt - droppedUntil));
      console.log(
        `${calls.length} listings, ${failed.length} failed, the last one started ` +
          `${Math.round(Math.max(...failed.map((c) => c.startedAt)) - droppedUntil)} ms after the drop`,
      );
      // The drop really cut the calls in flight…
      expect(failed.length).toBeGreaterThan(0);
      // …and none failed once the members could be reached again (ms after the drop ended).
      expect(lateFailures).toEqual([]);
    });
  });
});
