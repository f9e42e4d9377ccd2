import { MemcachedSessionKVStore } from "@sessionkv/memcached";
// Memcached: one server, and a pool of three (client-side sharding); faults hit the first server.
import { startMemcachedPool } from "@sessionkv/test-kit";
import { type Fault, type Rig, STORE_TIMEOUT_MS, type Target } from "../target.ts";
import { proxies, rig } from "./shared.ts";

const NOT_SUPPORTED = {
  "restart-data": "Memcached keeps nothing across a restart",
  failover: "no replication",
} as const;

export function memcached(size: number): Target {
  return {
    name: size === 1 ? "memcached 1.6.38 single" : `memcached 1.6.38 pool of ${size} (fault on one)`,
    faults: { pause: true, "restart-empty": true, drop: true, ...NOT_SUPPORTED },
    // SASL needs a server built and configured for it: the fixtures run without a password.
    secret: undefined,
    async setup(fault: Fault): Promise<Rig> {
      const servers = await startMemcachedPool(size, { startupTimeoutMs: 120_000 });
      const front = await proxies(servers.map((s) => s.port));
      // Only the faulty server's connections are dropped: the pool's point is that the others carry on.
      const dropped = front.slice(0, 1);
      const endpoints = front.map((p) => `127.0.0.1:${p.port}`);
      return rig(fault, {
        servers,
        proxies: front,
        store: () =>
          new MemcachedSessionKVStore({ servers: endpoints, operationTimeoutMs: STORE_TIMEOUT_MS }),
        ...(fault === "drop" && {
          inject: async () => {
            for (const proxy of dropped) proxy.drop();
          },
        }),
      });
    },
  };
}
