import { bytes, codeOf, eventually, rejection, sleep } from "@sessionkv/conformance/testing";
import { ErrorCode } from "@sessionkv/core";
import { backendTargets, requireContainers } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import { Cluster, Redis } from "ioredis";
import { beforeAll, describe, expect, it } from "vitest";
import { RedisSessionKVStore } from "../src/index.js";

// README, "Cluster, Sentinel, TLS": a listing through a Cluster client is complete or rejects. ioredis drops a
// master from `nodes("master")` when its connection ends and only re-adds it when a routed
// command fails, so without a slot-map check a listing silently misses that master's keys.
const gate = await requireContainers();

const KEYS = Array.from({ length: 300 }, (_, i) => `k${i}`);

describe("Redis Cluster listing coverage", () => {
  forEachTarget(backendTargets(["redis-cluster"]), { run: gate.run }, ({ server, track }) => {
    let cluster: Cluster;
    let store: RedisSessionKVStore;
    const node = (port: number): Redis => {
      const client = track(new Redis({ host: server().host, port, lazyConnect: true }), (c) =>
        c.disconnect(),
      );
      client.on("error", () => undefined);
      return client;
    };

    beforeAll(async () => {
      const { host, ports } = server();
      cluster = track(new Cluster(ports.map((port) => ({ host, port }))), (client) => client.disconnect());
      cluster.on("error", () => undefined);
      await eventually(async () => expect(await cluster.ping()).toBe("PONG"));
      store = track(
        new RedisSessionKVStore({ client: cluster, keyPrefix: "cov:", operationTimeoutMs: 2_000 }),
      );
      await store.start();
      await store.mset(KEYS.map((key) => ({ key, value: bytes(key), ttlMs: 600_000 })));
    });

    it("after CLIENT KILL on a master, every listing is complete or rejects", async () => {
      // While the client's view matches the cluster's, a listing costs one CLUSTER SLOTS, no refresh.
      let refreshes = 0;
      cluster.on("refresh", () => refreshes++);
      for (let i = 0; i < 5; i++) expect(new Set(await store.keys(""))).toEqual(new Set(KEYS));
      expect(refreshes).toBe(0);
      const masters = cluster.nodes("master");
      expect(masters).toHaveLength(3);
      const victim = node(masters[0]!.options.port as number);
      await victim.connect();
      // Every client connection but this one: the cluster client's link to this master drops.
      expect(await victim.call("CLIENT", "KILL", "TYPE", "normal")).toBeGreaterThan(0);
      const outcomes: string[] = [];
      const until = Date.now() + 3_000;
      while (Date.now() < until) {
        try {
          const listed = await store.keys("");
          outcomes.push(listed.length === KEYS.length ? "complete" : `partial ${listed.length}`);
        } catch (error) {
          outcomes.push(codeOf(error) === ErrorCode.STORE_UNAVAILABLE ? "rejected" : String(error));
        }
        await sleep(50);
      }
      expect(outcomes.filter((outcome) => outcome !== "complete" && outcome !== "rejected")).toEqual([]);
      expect(outcomes.at(-1)).toBe("complete");
    });

    it("rejects with ERR_STORE_UNAVAILABLE when some slots have no master", async () => {
      // Slots 0-99 forgotten by every node: the cluster has no owner for them.
      for (const port of server().ports) {
        const client = node(port);
        await client.connect();
        await client.call("CLUSTER", "DELSLOTSRANGE", "0", "99").catch(() => undefined);
      }
      const { error } = await rejection(() => store.keys(""));
      expect(codeOf(error)).toBe(ErrorCode.STORE_UNAVAILABLE);
      expect((error as Error).message).toMatch(/slots 0-99 are not covered/);
    });
  });
});
