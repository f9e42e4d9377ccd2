import { TcpProxy, bytes, sleep } from "@sessionkv/conformance/testing";
import { etcdTargets, requireContainers } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import { describe, expect, it } from "vitest";
import { EtcdSessionKVStore } from "../src/index.js";
import { hostsOf } from "./helpers.js";

// A 0.1 s connection drop under a store whose TTL is shorter than etcd3's default circuit
// breaker (5 s): heartbeats resume at once, so no session is ever invisible to other nodes.
const gate = await requireContainers();

const TTL_MS = 3_000;
const INTERVAL_MS = 500;

describe("connection drops", () => {
  forEachTarget(etcdTargets(), { run: gate.run }, ({ server, track }) => {
    it(`a 0.1 s drop never hides a session refreshed every ${INTERVAL_MS} ms with a ${TTL_MS} ms TTL`, async () => {
      const proxy = await TcpProxy.start(new URL(hostsOf(server())));
      track({ close: () => proxy.close() });
      const owner = track(new EtcdSessionKVStore({ hosts: proxy.url, keyPrefix: "blip:" }));
      const observer = track(new EtcdSessionKVStore({ hosts: hostsOf(server()), keyPrefix: "blip:" }));
      await owner.start();
      await observer.start();
      await owner.set("session", bytes("s"), TTL_MS);

      let running = true;
      let failedBeats = 0;
      const beats: Promise<unknown>[] = [];
      const heartbeat = (async () => {
        while (running) {
          await owner.expire(["session"], TTL_MS).catch(() => failedBeats++);
          await sleep(INTERVAL_MS);
        }
      })();
      const missing: number[] = [];
      const started = Date.now();
      let dropped = false;
      while (Date.now() - started < 3 * TTL_MS) {
        if (!dropped && Date.now() - started > 1_000) {
          // A heartbeat sent into the drop: its first attempts meet refused connections.
          proxy.drop(100);
          beats.push(owner.expire(["session"], TTL_MS).catch(() => failedBeats++));
          dropped = true;
        }
        if ((await observer.get("session")) === null) missing.push(Date.now() - started);
        await sleep(100);
      }
      running = false;
      await Promise.all([heartbeat, ...beats]);
      console.log(`heartbeats failed around the drop: ${failedBeats}`);
      expect(missing).toEqual([]);
      // The drop really cut the owner's connection: its next call still works.
      await owner.set("after", bytes("a"), TTL_MS);
    });
  });
});
