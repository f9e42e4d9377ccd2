import { bytes, eventually, text } from "@sessionkv/conformance/testing";
import { describeConformance } from "@sessionkv/conformance/vitest";
import {
  type ServerTarget,
  type StartedServer,
  backendTargets,
  freePort,
  redisTargets,
  requireContainers,
} from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import { Cluster, type Redis } from "ioredis";
import { beforeAll, describe, expect, it } from "vitest";
import { RedisSessionKVStore } from "../src/index.js";
import { hashSlot } from "../src/slot.js";
import { killSubscriber, rawClient } from "./helpers.js";

// Two kinds of Redis Cluster. A one-node cluster per Redis/Valkey target enforces CROSSSLOT
// like a big one, so it proves the store splits MGET, DEL and pipelines by hash slot; the node
// announces 127.0.0.1 and the published port, so the Cluster client reaches it without a NAT
// map. The multi-master cluster (three masters with a replica each, the `redis-cluster`
// fixture) also proves that SCAN goes through every master and that batches span masters.
const gate = await requireContainers();

async function oneNodeCluster(target: ServerTarget): Promise<StartedServer> {
  const hostPort = await freePort();
  const server = await target.start({
    hostPort,
    args: [
      "--cluster-enabled",
      "yes",
      "--cluster-config-file",
      "/tmp/nodes.conf",
      "--cluster-announce-ip",
      "127.0.0.1",
      "--cluster-announce-port",
      String(hostPort),
    ],
  });
  const node = rawClient(server);
  try {
    await node.connect();
    await node.call("CLUSTER", "ADDSLOTSRANGE", "0", "16383");
    await eventually(async () =>
      expect(String(await node.call("CLUSTER", "INFO"))).toContain("cluster_state:ok"),
    );
  } finally {
    node.disconnect();
  }
  return server;
}

const clusters = [
  ...redisTargets().map((target) => ({ name: target.name, start: () => oneNodeCluster(target) })),
  ...backendTargets(["redis-cluster"]),
];

describe("Redis Cluster", () => {
  forEachTarget(clusters, { run: gate.run }, ({ server, track }) => {
    let node: Redis;
    let cluster: Cluster | undefined;

    beforeAll(async () => {
      node = track(rawClient(server()), (client) => client.disconnect());
      await node.connect();
      const { host, ports } = server();
      cluster = track(new Cluster(ports.map((port) => ({ host, port }))), (client) => client.disconnect());
      cluster.on("error", () => undefined);
      await eventually(async () => expect(await cluster!.ping()).toBe("PONG"));
    });

    it("computes the slot the server computes", async () => {
      const keys = [
        "foo",
        "sessionkv:sessions/call-1/s-1",
        "{tag}a",
        "a{tag}b",
        "x{}y",
        "ключ/😀",
        "we*ird?[pre]\\fix:k",
      ];
      for (const key of keys) expect(hashSlot(key), key).toBe(await node.call("CLUSTER", "KEYSLOT", key));
    });

    it("spreads a namespace over many slots and still batches, lists and deletes it", async () => {
      const store = new RedisSessionKVStore({ client: cluster!, keyPrefix: "cl:" });
      await store.start();
      const keys = Array.from({ length: 2_500 }, (_, i) => `k${i}`);
      expect(new Set(keys.map((key) => hashSlot(`cl:${key}`))).size).toBeGreaterThan(1_000);
      await store.mset(keys.map((key) => ({ key, value: bytes(key), ttlMs: 60_000 })));
      expect((await store.mget(keys)).map(text)).toEqual(keys);
      await store.expire(keys, 90_000);
      // Through the cluster client: with several masters the key may live on another node.
      expect(await cluster!.pttl("cl:k7")).toBeGreaterThan(60_000);
      expect(new Set(await store.keys(""))).toEqual(new Set(keys));
      await store.delete(keys);
      expect(await store.keys("")).toEqual([]);
      await store.close();
      expect(cluster!.status).toBe("ready");
    });

    describeConformance("conformance on a Cluster client", {
      createStore: ({ namespace }) => {
        if (cluster === undefined) throw new Error("the cluster has not started");
        return new RedisSessionKVStore({ client: cluster, keyPrefix: `test:${namespace}:` });
      },
      disconnectSubscriber: (store) => killSubscriber(server(), store),
    });
  });
});
