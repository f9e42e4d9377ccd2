import type { BackendDefinition } from "../definition.ts";
import { probeRedis } from "../probes.ts";
import { redisCommand, redisUrl } from "./redis.ts";

export default {
  package: "redis",
  imageEnv: "SESSIONKV_IMAGE_VALKEY",
  containerPort: 6379,
  probe: probeRedis,
  command: redisCommand,
  url: redisUrl,
  defaults: { official: "valkey/valkey:8.1", local: "sessionkv-local/valkey:8.1" },
  versions: [
    {
      name: "valkey-8.1",
      official: "valkey/valkey:8.1",
      local: "sessionkv-local/valkey:8.1",
      debian: { suite: "trixie", package: "valkey-server", version: "8.1." },
    },
  ],
} as const satisfies BackendDefinition;
