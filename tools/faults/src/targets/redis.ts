import { RedisSessionKVStore } from "@sessionkv/redis";
import type { StartedServer } from "@sessionkv/test-kit";
import { signalProcess } from "@sessionkv/test-kit";
// Redis standalone, Redis Cluster and Redis Sentinel.
import { Cluster, Redis } from "ioredis";
import { type Log, logError } from "../log.ts";
import { natMapThrough } from "../nat-map.ts";
import { type Fault, type Rig, SECRET, STORE_TIMEOUT_MS, type Target } from "../target.ts";
import { proxies, rig, start, waitFor } from "./shared.ts";

/** Redis names a process `redis-server 0.0.0.0:<port>` once it runs (cluster nodes and sentinels alike). */
const redisProcess = (port: number) => `0.0.0.0:${port} `;

async function cli(server: StartedServer, port: number, ...command: string[]): Promise<string> {
  return (await server.exec(["redis-cli", "-p", String(port), ...command])).output;
}

/** Clients given to the stores: their errors are logged (and searched for secrets), they are closed at the end. */
function givenClients(log: Log) {
  const clients: (Redis | Cluster)[] = [];
  return {
    add<C extends Redis | Cluster>(client: C): C {
      client.on("error", (error: unknown) => logError(log, "client error", error));
      clients.push(client);
      return client;
    },
    close: async () => {
      for (const client of clients) client.disconnect();
    },
  };
}

const APPEND_ONLY = ["--dir", "/tmp", "--appendonly", "yes", "--appendfsync", "always"];

/** The Cluster and Sentinel fixtures keep an append-only file when their environment says so. */
const persistence = (fault: Fault): Record<string, string> =>
  fault === "restart-data" ? { SESSIONKV_REDIS_PERSIST: "1" } : {};

export function redisStandalone(): Target {
  return {
    name: "redis 7.0 standalone",
    faults: {
      pause: true,
      "restart-empty": true,
      "restart-data": true,
      drop: true,
      failover: "single server",
    },
    secret: SECRET,
    async setup(fault: Fault): Promise<Rig> {
      const persist = fault === "restart-data" ? APPEND_ONLY : [];
      const server = await start("redis", { args: ["--requirepass", SECRET, ...persist] });
      const [proxy] = await proxies([server.port]);
      const url = `redis://:${SECRET}@127.0.0.1:${proxy!.port}`;
      return rig(fault, {
        servers: [server],
        proxies: [proxy!],
        store: () => new RedisSessionKVStore({ url, operationTimeoutMs: STORE_TIMEOUT_MS }),
      });
    },
  };
}

export function redisCluster(): Target {
  return {
    name: "redis 7.0 cluster (3 masters + 3 replicas)",
    faults: {
      pause: true,
      "restart-empty": true,
      "restart-data": true,
      drop: true,
      failover: true,
    },
    secret: undefined,
    async setup(fault: Fault, log: Log): Promise<Rig> {
      const server = await start("redis-cluster", { env: persistence(fault) });
      // Redis's 15 s default puts each failover near a minute, and a lost election is retried
      // only after 4 × the timeout; 5 s is a common production setting, above our 3 s pause.
      for (const port of server.ports)
        await cli(server, port, "config", "set", "cluster-node-timeout", "5000");
      const clients = givenClients(log);
      const front = await proxies(server.ports);
      const natMap = natMapThrough(server.ports, front);
      const nodes = front.map((proxy) => ({ host: "127.0.0.1", port: proxy.port }));
      let frozen: number | undefined;
      const clusterNodes = async (via: number) => (await cli(server, via, "cluster", "nodes")).split("\n");
      const failover: Partial<Rig> = {
        async inject() {
          // A master whose replica is in sync (a master frozen in an earlier cycle rejoins as
          // a replica and must catch up first), so that a failover can happen at all.
          await waitFor(
            "a master with a replica in sync",
            async () => {
              const nodes = (await clusterNodes(server.ports[0]!)).map((line) => line.split(" "));
              const port = (fields: string[]) => Number(/:(\d+)@/.exec(fields[1] ?? "")?.[1]);
              for (const master of nodes.filter((f) => /^(myself,)?master$/.test(f[2] ?? ""))) {
                if (port(master) === server.ports[0]) continue;
                for (const replica of nodes.filter((f) => f[3] === master[0] && /slave/.test(f[2] ?? ""))) {
                  if (
                    (await cli(server, port(replica), "info", "replication")).includes(
                      "master_link_status:up",
                    )
                  ) {
                    frozen = port(master);
                    return true;
                  }
                }
              }
              return false;
            },
            120_000,
          );
          await signalProcess(server, redisProcess(frozen!), "STOP");
        },
        async recover() {
          const via = server.ports.find((port) => port !== frozen)!;
          let seen = "";
          await waitFor(
            "a replica promoted",
            async () => {
              const line = (await clusterNodes(via)).find((l) => l.includes(`:${frozen}@`)) ?? "";
              const info = await cli(server, via, "cluster", "info");
              seen = `${line.split(" ").slice(1, 3).join(" ")}, ${/cluster_state:\w+/.exec(info)?.[0]}`;
              return /\bfail\b(?!\?)/.test(line) && info.includes("cluster_state:ok");
            },
            120_000,
          ).catch((error: Error) => {
            throw new Error(`${error.message} (last seen: ${seen})`);
          });
          await signalProcess(server, redisProcess(frozen!), "CONT");
        },
      };
      return rig(fault, {
        servers: [server],
        proxies: front,
        store: () =>
          new RedisSessionKVStore({
            client: clients.add(new Cluster(nodes, { natMap })),
            operationTimeoutMs: STORE_TIMEOUT_MS,
          }),
        ...(fault === "failover" && failover),
        close: clients.close,
      });
    },
  };
}

export function redisSentinel(): Target {
  return {
    name: "redis 7.0 sentinel (3 sentinels, master + replica)",
    faults: {
      pause: true,
      "restart-empty": true,
      "restart-data": true,
      drop: true,
      failover: true,
    },
    secret: SECRET,
    async setup(fault: Fault, log: Log): Promise<Rig> {
      const server = await start("redis-sentinel", {
        env: { SESSIONKV_REDIS_PASSWORD: SECRET, ...persistence(fault) },
      });
      const clients = givenClients(log);
      // The sentinels are asked directly; the master and the replica are reached through proxies.
      const dataPorts = server.ports.slice(3);
      const front = await proxies(dataPorts);
      const natMap = natMapThrough(dataPorts, front);
      const sentinels = server.ports.slice(0, 3).map((port) => ({ host: "127.0.0.1", port }));
      const masterPort = async () =>
        Number(
          (await cli(server, server.ports[0]!, "sentinel", "get-master-addr-by-name", "mymaster")).split(
            "\n",
          )[1],
        );
      let frozen: number | undefined;
      const failover: Partial<Rig> = {
        async inject() {
          frozen = await masterPort();
          await signalProcess(server, redisProcess(frozen), "STOP");
        },
        async recover() {
          await waitFor("a replica promoted", async () => (await masterPort()) !== frozen);
          await signalProcess(server, redisProcess(frozen!), "CONT");
        },
      };
      return rig(fault, {
        servers: [server],
        proxies: front,
        store: () =>
          new RedisSessionKVStore({
            client: clients.add(new Redis({ sentinels, name: "mymaster", password: SECRET, natMap })),
            operationTimeoutMs: STORE_TIMEOUT_MS,
          }),
        ...(fault === "failover" && failover),
        close: clients.close,
      });
    },
  };
}
