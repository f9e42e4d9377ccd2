import type { StartedServer } from "@sessionkv/test-kit";
import { Redis } from "ioredis";

export function urlOf(server: StartedServer, auth = ""): string {
  return `redis://${auth}${server.host}:${server.port}`;
}

/** A plain client for looking at the server behind the store's back. */
export function rawClient(server: StartedServer, options: { password?: string } = {}): Redis {
  const client = new Redis({ host: server.host, port: server.port, lazyConnect: true, ...options });
  // Tests stop servers under this client on purpose; the failures show up in the assertions.
  client.on("error", () => undefined);
  return client;
}
