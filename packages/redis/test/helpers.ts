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

/**
 * Kills the store's subscriber connection on the server's side (CLIENT KILL ID), on every port
 * of the target (each node of a cluster, the master and replica of a Sentinel set): the drop a
 * failover or a network cut causes, not a stand-in for it.
 */
export async function killSubscriber(server: StartedServer, store: unknown): Promise<void> {
  const name = (store as { subscriberName?: unknown }).subscriberName;
  if (typeof name !== "string") throw new Error("the store has no subscriber connection");
  let killed = 0;
  for (const port of server.ports.length > 0 ? server.ports : [server.port]) {
    const admin = new Redis({ host: server.host, port, lazyConnect: true, retryStrategy: () => null });
    admin.on("error", () => undefined);
    try {
      await admin.connect();
      const list = String(await admin.call("CLIENT", "LIST"));
      for (const line of list.split("\n")) {
        if (!line.includes(` name=${name} `)) continue;
        const id = /(?:^|\s)id=(\d+)/.exec(line)?.[1];
        if (id !== undefined) killed += Number(await admin.call("CLIENT", "KILL", "ID", id));
      }
    } catch {
      // A sentinel process, or a node down on purpose: its connections are not the store's.
    } finally {
      admin.disconnect();
    }
  }
  if (killed === 0) throw new Error(`no connection named ${name} on any port of the server`);
}
