import { type TcpProxy, eventually } from "@sessionkv/conformance/testing";
import { DynamoDBSessionKVStore } from "@sessionkv/dynamodb";
import { onDiskCommand } from "@sessionkv/test-kit";
import { defaultImage } from "@sessionkv/test-kit";
import { requireContainers, startBackend, stopAllServers } from "@sessionkv/test-kit";
import { Cluster, Redis } from "ioredis";
// What the fault command's Cluster, Sentinel and DynamoDB rows rely on: a
// client with a NAT map really talks to the nodes through the proxies, so that a drop cuts the
// connections it uses; and a restart "with data" really keeps the data. Under CI a missing
// runtime fails this file.
import { afterAll, describe, expect, it } from "vitest";
import { natMapThrough } from "../src/nat-map.ts";
import { proxies as startProxies } from "../src/targets/shared.ts";

const gate = await requireContainers();
const SLOW = { timeout: 240_000 };
const PASSWORD = "fixture-pw-8c2";
const PERSIST = { SESSIONKV_REDIS_PERSIST: "1" };
const proxies: TcpProxy[] = [];

afterAll(async () => {
  await Promise.allSettled(proxies.map((p) => p.close()));
  await stopAllServers();
});

async function proxied(ports: readonly number[]): Promise<TcpProxy[]> {
  const started = await startProxies(ports);
  proxies.push(...started);
  return started;
}

/** The client reports the drop and the restart it is put through; the commands' results decide. */
const ignoreOutage = () => undefined;

/** Keys spread over every master's slots. */
const KEYS = Array.from({ length: 30 }, (_, i) => `k${i}`);

/** After a restart with data: every key written before it is read back with its value. */
async function expectEveryKeyBack(client: { get(key: string): Promise<string | null> }): Promise<void> {
  const values = await eventually(
    async () => {
      const got = await Promise.all(KEYS.map((key) => client.get(key)));
      expect(got.filter((v) => v !== null).length).toBe(KEYS.length);
      return got;
    },
    { withinMs: 60_000 },
  );
  expect(values).toEqual(KEYS.map((key) => `v-${key}`));
}

describe.skipIf(!gate.run)("fault fixtures", () => {
  it(
    "redis-cluster: a NAT-mapped client reaches every master through its proxy, and an append-only cluster keeps its keys across a restart",
    SLOW,
    async () => {
      const server = await startBackend("redis-cluster", { env: PERSIST });
      const front = await proxied(server.ports);
      // Only the first proxy is a seed: the others are reached through the NAT map alone.
      const client = new Cluster([{ host: "127.0.0.1", port: front[0]!.port }], {
        natMap: natMapThrough(server.ports, front),
      });
      client.on("error", ignoreOutage);
      try {
        for (const key of KEYS) await client.set(key, `v-${key}`);
        expect(front.filter((p) => p.connections > 0).length).toBeGreaterThanOrEqual(3);

        for (const proxy of front) proxy.drop();
        await eventually(async () => expect(await client.get(KEYS[0]!)).toBe(`v-${KEYS[0]}`), {
          withinMs: 30_000,
        });
        expect(front.filter((p) => p.connections > 0).length).toBeGreaterThanOrEqual(1);

        await server.restart();
        await expectEveryKeyBack(client);
      } finally {
        client.disconnect();
        await server.stop();
      }
    },
  );

  it(
    "redis-sentinel: the master is reached through its proxy, and an append-only master keeps its keys across a restart",
    SLOW,
    async () => {
      const server = await startBackend("redis-sentinel", {
        env: { SESSIONKV_REDIS_PASSWORD: PASSWORD, ...PERSIST },
      });
      const dataPorts = server.ports.slice(3);
      const front = await proxied(dataPorts);
      const client = new Redis({
        sentinels: server.ports.slice(0, 3).map((port) => ({ host: "127.0.0.1", port })),
        name: "mymaster",
        password: PASSWORD,
        natMap: natMapThrough(dataPorts, front),
      });
      client.on("error", ignoreOutage);
      try {
        for (const key of KEYS) await client.set(key, `v-${key}`);
        expect(front[0]!.connections).toBe(1); // the master's proxy carries the client's one connection

        front[0]!.drop();
        await eventually(async () => expect(await client.get(KEYS[0]!)).toBe(`v-${KEYS[0]}`), {
          withinMs: 30_000,
        });
        expect(front[0]!.connections).toBe(1);

        await server.restart();
        await expectEveryKeyBack(client);
      } finally {
        client.disconnect();
        await server.stop();
      }
    },
  );

  it("dynamodb: DynamoDB Local with its tables on disk keeps them across a restart", SLOW, async () => {
    const server = await startBackend("dynamodb", {
      command: onDiskCommand(defaultImage("dynamodb"), "/tmp"),
    });
    const store = () =>
      new DynamoDBSessionKVStore({
        tableName: "fixture-on-disk",
        createTable: true,
        clientConfig: {
          endpoint: server.url!,
          region: "us-east-1",
          credentials: { accessKeyId: "fixture", secretAccessKey: PASSWORD },
        },
      });
    const before = store();
    await before.start();
    await before.set("k", new TextEncoder().encode("kept"), 600_000);
    await before.close();

    await server.restart();
    const after = store();
    try {
      await after.start();
      const value = await after.get("k");
      expect(value && new TextDecoder().decode(value)).toBe("kept");
    } finally {
      await after.close();
      await server.stop();
    }
  });
});
