import { CONFORMANCE_OPERATION_TIMEOUT_MS } from "@sessionkv/conformance";
import { TcpProxy } from "@sessionkv/conformance/testing";
import type { StartedServer } from "@sessionkv/test-kit";
import { Etcd3, type IOptions } from "etcd3";
import { EtcdSessionKVStore } from "../src/index.js";

export function hostsOf(server: StartedServer): string {
  if (server.url === undefined) throw new Error(`${server.image} has no URL`);
  return server.url;
}

/** A plain etcd3 client for looking at the server behind the store's back. */
export function rawClient(server: StartedServer, options: Partial<IOptions> = {}): Etcd3 {
  return new Etcd3({ hosts: hostsOf(server), ...options });
}

/** Leases alive on the server (LeaseLeases). */
export async function liveLeases(client: Etcd3): Promise<number> {
  return (await client.leaseClient.leaseLeases()).leases.length;
}

/**
 * Stores that reach their server through proxies of their own (one per member), so that a case
 * can cut exactly one store's connections, its watch stream included, for real
 * (`RunOptions.disconnectSubscriber`).
 */
export function proxiedStores() {
  const proxies = new Map<unknown, TcpProxy[]>();
  return {
    async hostsFor(server: StartedServer): Promise<{ hosts: string[]; own: (store: unknown) => void }> {
      const ports = server.ports.length > 0 ? server.ports : [server.port];
      const made = await Promise.all(
        ports.map((port) => TcpProxy.start(new URL(`http://${server.host}:${port}`))),
      );
      return { hosts: made.map((p) => p.url), own: (store) => proxies.set(store, made) };
    },
    async disconnect(store: unknown): Promise<void> {
      const own = proxies.get(store);
      if (own === undefined) throw new Error("the store was not made through proxiedStores()");
      for (const proxy of own) proxy.drop(300);
    },
    /** The suite's store factory and subscriber cut over these proxies, for `describeBackend`. */
    suiteOptions() {
      return {
        createStore: async (server: StartedServer, { namespace }: { namespace: string }) => {
          const { hosts, own } = await this.hostsFor(server);
          const store = new EtcdSessionKVStore({
            hosts,
            keyPrefix: `test:${namespace}:`,
            operationTimeoutMs: CONFORMANCE_OPERATION_TIMEOUT_MS,
          });
          own(store);
          return store;
        },
        disconnectSubscriber: (_server: StartedServer, store: unknown) => this.disconnect(store),
      };
    },
    async closeAll(): Promise<void> {
      await Promise.all([...proxies.values()].flat().map((p) => p.close()));
      proxies.clear();
    },
  };
}
