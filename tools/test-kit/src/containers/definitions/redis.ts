import type { BackendDefinition } from "../definition.ts";
import { probeRedis } from "../probes.ts";

/** The Redis and Valkey command; a Valkey image may serve the redis backend and vice versa, so the binary follows the image. */
export function redisCommand(image: string): string[] {
  const binary = /valkey/i.test(image) ? "valkey-server" : "redis-server";
  // No persistence: a restart must come back empty, like a crashed cache node.
  return [binary, "--bind", "0.0.0.0", "--protected-mode", "no", "--save", "", "--appendonly", "no"];
}

/**
 * Persistence switch of the multi-process fixtures (Cluster, Sentinel), for a shell command:
 * with SESSIONKV_REDIS_PERSIST set in the container's environment, an append-only file synced
 * on every write; otherwise none (Redis's default, with `--save ''`), so that a restart comes
 * back empty.
 */
export const PERSIST = "${SESSIONKV_REDIS_PERSIST:+--appendonly yes --appendfsync always}";

export const redisUrl = (host: string, port: number) => `redis://${host}:${port}`;

export default {
  package: "redis",
  imageEnv: "SESSIONKV_IMAGE_REDIS",
  containerPort: 6379,
  probe: probeRedis,
  command: redisCommand,
  url: redisUrl,
  defaults: { official: "redis:7.0", local: "sessionkv-local/redis:7.0" },
  versions: [
    {
      name: "redis-7.0",
      official: "redis:7.0",
      local: "sessionkv-local/redis:7.0",
      debian: { suite: "bookworm", package: "redis-server", version: "7.0." },
    },
    {
      name: "redis-8.0",
      official: "redis:8.0",
      local: "sessionkv-local/redis:8.0",
      debian: { suite: "trixie", package: "redis-server", version: "8.0." },
    },
  ],
} as const satisfies BackendDefinition;
