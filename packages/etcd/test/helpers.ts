import type { StartedServer } from "@sessionkv/conformance/containers";
import { Etcd3, type IOptions } from "etcd3";

export function hostsOf(server: StartedServer | undefined): string {
  if (server?.url === undefined) throw new Error("the server has not started");
  return server.url;
}

/** A plain etcd3 client for looking at the server behind the store's back. */
export function rawClient(server: StartedServer | undefined, options: Partial<IOptions> = {}): Etcd3 {
  return new Etcd3({ hosts: hostsOf(server), ...options });
}

/** Leases alive on the server (LeaseLeases). */
export async function liveLeases(client: Etcd3): Promise<number> {
  return (await client.leaseClient.leaseLeases()).leases.length;
}

export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function text(value: Uint8Array | null): string | null {
  return value === null ? null : new TextDecoder().decode(value);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
