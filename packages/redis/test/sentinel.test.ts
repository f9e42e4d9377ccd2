import { CONFORMANCE_OPERATION_TIMEOUT_MS } from "@sessionkv/conformance";
import { eventually } from "@sessionkv/conformance/testing";
import { describeConformance } from "@sessionkv/conformance/vitest";
import { requireContainers, startBackend } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import { Redis } from "ioredis";
import { beforeAll, expect } from "vitest";
import { RedisSessionKVStore } from "../src/index.js";

// The whole suite through a Sentinel client (README, "Cluster, Sentinel, TLS"): three sentinels,
// a master and a replica in one container (the `redis-sentinel` fixture, ports [sentinel ×3,
// master, replica]). The client asks the sentinels for the master and follows it; every store
// of the run shares it, as stores of one application would.
const gate = await requireContainers();

const SENTINEL_MASTER_NAME = "mymaster";
const sentinelTarget = { name: "redis-sentinel", start: () => startBackend("redis-sentinel") };

forEachTarget([sentinelTarget], { run: gate.run }, ({ server, track }) => {
  let client: Redis | undefined;

  beforeAll(async () => {
    const { host, ports } = server();
    const sentinels = ports.slice(0, 3).map((port) => ({ host, port }));
    client = track(new Redis({ sentinels, name: SENTINEL_MASTER_NAME }), (c) => c.disconnect());
    client.on("error", () => undefined);
    await eventually(async () => expect(await client!.ping()).toBe("PONG"));
  });

  describeConformance("conformance on a Sentinel client", {
    createStore: ({ namespace }) => {
      if (client === undefined) throw new Error("the sentinel client has not started");
      return new RedisSessionKVStore({
        client,
        keyPrefix: `test:${namespace}:`,
        operationTimeoutMs: CONFORMANCE_OPERATION_TIMEOUT_MS,
      });
    },
  });
});
