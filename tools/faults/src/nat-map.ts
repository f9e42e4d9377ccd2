// ioredis's NAT map (Cluster and Sentinel clients alike) through the fault proxies: the nodes
// announce their own 127.0.0.1 ports, and the client connects to the proxy in front of each
// instead, so that a drop cuts the connections the stores really use.
import type { TcpProxy } from "@sessionkv/conformance/testing";

/** ioredis's `natMap` option: announced `host:port` → where to connect instead. */
export type NatMap = Record<string, { host: string; port: number }>;

/** `ports[i]` is reached through `front[i]`. */
export function natMapThrough(ports: readonly number[], front: readonly TcpProxy[]): NatMap {
  return Object.fromEntries(
    ports.map((port, i) => [`127.0.0.1:${port}`, { host: "127.0.0.1", port: front[i]!.port }]),
  );
}
