import { type StartedServer, startMemcached, startMemcachedPool } from "@sessionkv/test-kit";

/** One server of the default image rather than the version matrix: the store's own limits do not vary by version. */
export const defaultServer = { name: "memcached", start: () => startMemcached() };

/** Servers started together, among which memjs shards data and index items. */
export interface Pool {
  readonly servers: StartedServer[];
  stop(): Promise<unknown>;
}

export function poolOf(size: number): { readonly name: string; start(): Promise<Pool> } {
  return {
    name: `memcached pool of ${size}`,
    async start() {
      const servers = await startMemcachedPool(size);
      return { servers, stop: () => Promise.all(servers.map((s) => s.stop())) };
    },
  };
}
