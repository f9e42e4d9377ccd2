import type { BackendDefinition } from "../definition.ts";
import { probeRedisCluster } from "../probes.ts";
import { PERSIST, redisUrl } from "./redis.ts";

// A multi-master Redis Cluster in one container: three masters with one replica each, every
// node a redis-server process. Each node listens on a host port number and announces
// 127.0.0.1, so the address a node announces is the one a client on the host reaches (the
// ports are published under the same numbers): no NAT map in the client. The bus ports are
// only used inside the container. With SESSIONKV_REDIS_PERSIST set in the container's
// environment, every node keeps an append-only file (fsync always) in its own directory, which,
// like its nodes.conf, survives a restart of the container: a restart with data.
const MASTERS = 3;
const REPLICAS_PER_MASTER = 1;
const BUS_PORT_BASE = 16_000; // below the ephemeral range the client ports come from

function clusterCommand(image: string, _hostPort: number, ports: readonly number[]): string[] {
  const [server, cli] = /valkey/i.test(image)
    ? ["valkey-server", "valkey-cli"]
    : ["redis-server", "redis-cli"];
  const start = ports.flatMap((port, i) => [
    `mkdir -p /tmp/node-${port}`,
    `${server} --port ${port} --cluster-port ${BUS_PORT_BASE + i} --cluster-enabled yes ` +
      `--dir /tmp/node-${port} --cluster-config-file /tmp/nodes-${port}.conf --cluster-announce-ip 127.0.0.1 ` +
      `--bind 0.0.0.0 --protected-mode no --save '' ${PERSIST} &`,
  ]);
  const ready = ports.map((port) => `until ${cli} -p ${port} ping >/dev/null 2>&1; do sleep 0.1; done`);
  const addresses = ports.map((port) => `127.0.0.1:${port}`).join(" ");
  // After a restart the nodes know their cluster from nodes.conf: this create then fails, harmlessly.
  const create = `${cli} --cluster create ${addresses} --cluster-replicas ${REPLICAS_PER_MASTER} --cluster-yes`;
  // The shell stays the container's main process, so the container lives as long as the nodes.
  return ["sh", "-c", [...start, ...ready, create, "wait"].join("\n")];
}

export default {
  package: "redis",
  imageEnv: "SESSIONKV_IMAGE_REDIS_CLUSTER",
  nodes: MASTERS * (1 + REPLICAS_PER_MASTER),
  probe: probeRedisCluster(MASTERS, MASTERS * (1 + REPLICAS_PER_MASTER)),
  command: clusterCommand,
  url: redisUrl,
  label: () => "redis-cluster",
  defaults: { official: "redis:7.0", local: "sessionkv-local/redis:7.0" },
  versions: [
    {
      name: "redis-cluster-7.0",
      official: "redis:7.0",
      local: "sessionkv-local/redis:7.0",
      tests: ["test/cluster.test.ts", "test/cluster-coverage.test.ts", "test/refused-credentials.test.ts"],
    },
  ],
} as const satisfies BackendDefinition;
