import type { StartedServer } from "@sessionkv/conformance/containers";
import { Redis } from "ioredis";

export function urlOf(server: StartedServer | undefined, auth = ""): string {
  if (server === undefined) throw new Error("the server has not started");
  return `redis://${auth}${server.host}:${server.port}`;
}

/** A plain client for looking at the server behind the store's back. */
export function rawClient(server: StartedServer | undefined, options: { password?: string } = {}): Redis {
  if (server === undefined) throw new Error("the server has not started");
  const client = new Redis({ host: server.host, port: server.port, lazyConnect: true, ...options });
  // Tests stop servers under this client on purpose; the failures show up in the assertions.
  client.on("error", () => undefined);
  return client;
}

export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function text(value: Uint8Array | null): string | null {
  return value === null ? null : new TextDecoder().decode(value);
}
