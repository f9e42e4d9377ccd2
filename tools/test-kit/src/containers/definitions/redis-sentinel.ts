import type { BackendDefinition } from "../definition.ts";
import { probeRedisSentinel } from "../probes.ts";
import { PERSIST, redisUrl } from "./redis.ts";

// Redis Sentinel in one container: three sentinels, a master and one replica, each a
// redis-server process (Debian ships no redis-sentinel binary; `redis-server --sentinel` is
// the same program). Like the cluster fixture, every process listens on a host port number
// and announces 127.0.0.1, so the master address a sentinel hands out is reachable from the
// host. Ports: [sentinel, sentinel, sentinel, master, replica]; the server's `port` (and its
// URL) is the first sentinel's. A password, when SESSIONKV_REDIS_PASSWORD is set in the
// container's environment, protects the master and the replica (not the sentinels);
// SESSIONKV_REDIS_PERSIST gives both an append-only file (fsync always) in their own
// directory, kept across a restart of the container.
const SENTINELS = 3;
const SENTINEL_MASTER_NAME = "mymaster";
/** How long a silent master takes to be declared down; failovers follow within about a second more. */
const DOWN_AFTER_MS = 2_000;

function sentinelCommand(image: string, _hostPort: number, ports: readonly number[]): string[] {
  const server = /valkey/i.test(image) ? "valkey-server" : "redis-server";
  const master = ports[SENTINELS]!;
  const replica = ports[SENTINELS + 1]!;
  const auth = `\${SESSIONKV_REDIS_PASSWORD:+--requirepass "$SESSIONKV_REDIS_PASSWORD" --masterauth "$SESSIONKV_REDIS_PASSWORD"}`;
  const data = (port: number) =>
    `--dir /tmp/redis-${port} --bind 0.0.0.0 --protected-mode no --save '' ${PERSIST} --replica-announce-ip 127.0.0.1 ${auth}`;
  const sentinelConf = (port: number) =>
    [
      `port ${port}`,
      "bind 0.0.0.0",
      "protected-mode no",
      "sentinel announce-ip 127.0.0.1",
      `sentinel announce-port ${port}`,
      `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${master} 2`,
      `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} ${DOWN_AFTER_MS}`,
      `sentinel failover-timeout ${SENTINEL_MASTER_NAME} 10000`,
    ].join("\\n");
  const sentinels = ports.slice(0, SENTINELS).flatMap((port) => [
    // Sentinels rewrite their config file: each gets its own, written afresh at every start.
    `printf '${sentinelConf(port)}\\n' > /tmp/sentinel-${port}.conf`,
    `[ -n "$SESSIONKV_REDIS_PASSWORD" ] && echo "sentinel auth-pass ${SENTINEL_MASTER_NAME} $SESSIONKV_REDIS_PASSWORD" >> /tmp/sentinel-${port}.conf`,
    `${server} /tmp/sentinel-${port}.conf --sentinel &`,
  ]);
  const script = [
    `mkdir -p /tmp/redis-${master} /tmp/redis-${replica}`,
    `${server} --port ${master} ${data(master)} &`,
    `${server} --port ${replica} --replicaof 127.0.0.1 ${master} ${data(replica)} &`,
    ...sentinels,
    "wait",
  ];
  return ["sh", "-c", script.join("\n")];
}

export default {
  package: "redis",
  imageEnv: "SESSIONKV_IMAGE_REDIS_SENTINEL",
  nodes: SENTINELS + 2,
  probe: probeRedisSentinel(SENTINEL_MASTER_NAME, SENTINELS),
  command: sentinelCommand,
  url: redisUrl,
  label: () => "redis-sentinel",
  defaults: { official: "redis:7.0", local: "sessionkv-local/redis:7.0" },
  // No CI cell yet: the fixture serves the fault-injection command (tools/faults), not a test suite.
  versions: [],
} as const satisfies BackendDefinition;
