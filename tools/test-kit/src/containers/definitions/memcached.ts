import type { BackendDefinition } from "../definition.ts";
import { probeMemcached } from "../probes.ts";

export default {
  package: "memcached",
  imageEnv: "SESSIONKV_IMAGE_MEMCACHED",
  containerPort: 11211,
  probe: probeMemcached,
  // `-u nobody`: memcached refuses to run as root without it (local images run as
  // root; the official image runs as `memcache`, where the flag is ignored).
  command: () => ["memcached", "-u", "nobody", "-l", "0.0.0.0"],
  defaults: { official: "memcached:1.6", local: "sessionkv-local/memcached:1.6.38" },
  versions: [
    {
      name: "memcached-1.6.18",
      official: "memcached:1.6.18",
      local: "sessionkv-local/memcached:1.6.18",
      debian: { suite: "bookworm", package: "memcached", version: "1.6.18" },
    },
    {
      name: "memcached-1.6.38",
      official: "memcached:1.6.38",
      local: "sessionkv-local/memcached:1.6.38",
      debian: { suite: "trixie", package: "memcached", version: "1.6.38" },
    },
  ],
} as const satisfies BackendDefinition;
