import { createServer } from "node:net";
import { type StartedServer, redisTargets, requireContainers } from "@sessionkv/conformance/containers";
import { eventually } from "@sessionkv/conformance/testing";
import { describeConformance } from "@sessionkv/conformance/vitest";
import { Cluster, type Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisSessionKVStore } from "../src/index.js";
import { hashSlot } from "../src/slot.js";
import { bytes, rawClient, text } from "./helpers.js";

// A one-node Redis Cluster: it enforces CROSSSLOT like a big one, so it proves the store splits
// MGET, DEL and pipelines by hash slot and SCANs through the master list. The node announces
// 127.0.0.1 and the published port, so the Cluster client reaches it without a NAT map.
const gate = await requireContainers();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address !== null
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

describe.skipIf(!gate.run)("Redis Cluster", () => {
  for (const target of redisTargets()) {
    describe(target.name, () => {
      let server: StartedServer | undefined;
      let node: Redis;
      let cluster: Cluster | undefined;

      beforeAll(async () => {
        const hostPort = await freePort();
        server = await target.start({
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
        node = rawClient(server);
        await node.connect();
        await node.call("CLUSTER", "ADDSLOTSRANGE", "0", "16383");
        await eventually(async () =>
          expect(String(await node.call("CLUSTER", "INFO"))).toContain("cluster_state:ok"),
        );
        cluster = new Cluster([{ host: server.host, port: server.port }]);
        cluster.on("error", () => undefined);
        await eventually(async () => expect(await cluster!.ping()).toBe("PONG"));
      });
      afterAll(async () => {
        cluster?.disconnect();
        node?.disconnect();
        await server?.stop();
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
        expect(await node.pttl("cl:k7")).toBeGreaterThan(60_000);
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
      });
    });
  }
});
