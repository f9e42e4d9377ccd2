import { CONFORMANCE_OPERATION_TIMEOUT_MS } from "@sessionkv/conformance";
import { bytes, eventually, text } from "@sessionkv/conformance/testing";
import { type StartedServer, defaultImage, requireContainers, startBackend } from "@sessionkv/test-kit";
import { describeBackend, forEachTarget } from "@sessionkv/test-kit/vitest";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { RedisSessionKVStore } from "../src/index.js";
import { killSubscriber } from "./helpers.js";

// Notifications through a Sentinel client: the subscriber connection is a duplicate of the
// client, so it follows the sentinels to the current master, and is subscribed again and reset
// after its connection is killed and after a failover.
const gate = await requireContainers();
const SENTINELS = 3;

const sentinelSet = {
  name: "redis-sentinel",
  start: () => startBackend("redis-sentinel", { image: defaultImage("redis-sentinel") }),
};

const clients: Redis[] = [];
afterAll(() => {
  for (const client of clients.splice(0)) client.disconnect();
});

function sentinelClient(server: StartedServer): Redis {
  const client = new Redis({
    sentinels: server.ports.slice(0, SENTINELS).map((port) => ({ host: server.host, port })),
    name: "mymaster",
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt: number) => Math.min(50 * attempt, 500),
  });
  client.on("error", () => undefined);
  clients.push(client);
  return client;
}

describeBackend("notifications through a Sentinel client", [sentinelSet], {
  run: gate.run,
  filter: "notifications",
  createStore: (server, { namespace }) =>
    new RedisSessionKVStore({
      client: sentinelClient(server),
      keyPrefix: `test:${namespace}:`,
      operationTimeoutMs: CONFORMANCE_OPERATION_TIMEOUT_MS,
    }),
  disconnectSubscriber: killSubscriber,
});

describe("a Sentinel failover", () => {
  forEachTarget([sentinelSet], { run: gate.run }, ({ server, track }) => {
    it("resubscribes on the new master, resets the subscriber, and delivers later messages", async () => {
      const store = track(new RedisSessionKVStore({ client: sentinelClient(server()), keyPrefix: "fo:" }));
      await store.start();
      const heard: string[] = [];
      let resets = 0;
      await store.notifications!.subscribe(
        "ch",
        (p) => heard.push(String(text(p))),
        () => void resets++,
      );
      await store.notifications!.publish("ch", bytes("before"));
      await eventually(async () => expect(heard).toEqual(["before"]));
      const sentinel = new Redis({ host: server().host, port: server().ports[0]!, lazyConnect: true });
      sentinel.on("error", () => undefined);
      track({ close: async () => sentinel.disconnect() });
      await sentinel.connect();
      const before = String(
        ((await sentinel.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")) as string[])[1],
      );
      await sentinel.call("SENTINEL", "FAILOVER", "mymaster");
      await eventually(
        async () => {
          const now = (await sentinel.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")) as string[];
          expect(String(now[1])).not.toBe(before);
        },
        { withinMs: 30_000 },
      );
      await eventually(async () => expect(resets).toBeGreaterThanOrEqual(1), { withinMs: 30_000 });
      await eventually(
        async () => {
          await store.notifications!.publish("ch", bytes("after"));
          expect(heard).toContain("after");
        },
        { withinMs: 30_000 },
      );
    });
  });
});
