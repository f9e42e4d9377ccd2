import { SessionHost, SessionRegistry, silentLogger } from "@sessionkv/core";
import { RedisSessionKVStore } from "@sessionkv/redis";
import { backendTargets, requireContainers, startBackend } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import { Cluster } from "ioredis";
import { describe, expect, it } from "vitest";
import { cli } from "./cli.js";

// README, "URL schemes": redis+cluster:// and redis+sentinel:// make the ioredis client that
// @sessionkv/redis resolves, and the commands read through it what a node wrote.
const gate = await requireContainers();
const PREFIX = "cli-topology:";

async function register(store: RedisSessionKVStore, nodeId: string, callId: string, sessionId: string) {
  const registry = new SessionRegistry({ store, nodeId, ttlMs: 60_000, logger: silentLogger });
  await registry.start();
  await registry.register(callId, sessionId, { metrics: { turns: 7 } });
  await registry.stop();
}

describe("redis+cluster://", () => {
  forEachTarget(backendTargets(["redis-cluster"]).slice(0, 1), { run: gate.run }, ({ server, track }) => {
    it("lists and closes sessions on a Redis Cluster, from several seed nodes", async () => {
      const { host, ports } = server();
      const client = track(new Cluster(ports.map((port) => ({ host, port }))), (c) => c.disconnect());
      const store = track(new RedisSessionKVStore({ client, keyPrefix: PREFIX }));
      // Calls whose keys hash to different slots, so the listing has to visit several masters.
      for (let i = 0; i < 6; i++) await register(store, `node-${i % 2}`, `call-${i}`, `s-${i}`);
      const url = `redis+cluster://${ports.map((port) => `${host}:${port}`).join(",")}`;
      const run = await cli(["sessions", "--url", url, "--prefix", PREFIX, "--json"]);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout).sessions.map((s: { sessionId: string }) => s.sessionId)).toEqual(
        Array.from({ length: 6 }, (_, i) => `s-${i}`),
      );
      const close = await cli(["close", "call-3", "s-3", "--url", url, "--prefix", PREFIX, "--yes"]);
      expect(close.code).toBe(0);
      expect(await store.get("close_requests/call-3/s-3")).not.toBeNull();
    });
  });
});

describe.skipIf(!gate.run)("redis+sentinel://", () => {
  it("finds the master through the sentinels and lists its sessions", async () => {
    await using server = await startBackend("redis-sentinel");
    const { host, ports } = server;
    const store = new RedisSessionKVStore({ url: `redis://${host}:${ports[3]}`, keyPrefix: PREFIX });
    // A running host, so that its node record is there for `nodes`.
    const node = new SessionHost({
      registry: new SessionRegistry({ store, nodeId: "node-s", ttlMs: 60_000, logger: silentLogger }),
      maintenanceIntervalMs: 20_000,
      logger: silentLogger,
    });
    try {
      await node.start();
      await node.add("call-s", "s-1", { close() {} });
      await node.runCycle();
      const url = `redis+sentinel://${host}:${ports[0]},${host}:${ports[1]}/mymaster`;
      const run = await cli(["nodes", "--url", url, "--prefix", PREFIX, "--json"]);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout).nodes).toMatchObject([{ nodeId: "node-s", sessions: 1 }]);
      const wrongName = await cli([
        "nodes",
        "--url",
        `${url.replace(/mymaster$/, "nomaster")}`,
        "--prefix",
        PREFIX,
      ]);
      expect(wrongName.code).toBe(1);
      expect(wrongName.stderr).toMatch(/^sessionkv: ERR_STORE_[A-Z_]+: [^\n]+\n$/);
    } finally {
      await node.stop();
      await store.close();
    }
  });
});
