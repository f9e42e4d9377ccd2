import type { StartedServer } from "@sessionkv/test-kit";
import { Etcd3, type IOptions } from "etcd3";

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
