// A TCP proxy on 127.0.0.1 between the stores and one server, so that a fault can cut every
// open connection at once (what a NAT timeout, a load balancer restart or a flapping link does)
// while the server itself stays up. New connections are accepted again right away.
import { type Server, type Socket, connect, createServer } from "node:net";

export interface TcpProxy {
  /** The proxy's own `127.0.0.1` port, to give the client instead of the server's. */
  readonly port: number;
  /** Open client connections. */
  readonly connections: number;
  /** Destroys every open connection, both sides. */
  drop(): void;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<TcpProxy> {
  const pairs = new Set<readonly [Socket, Socket]>();
  const server: Server = createServer((client) => {
    const upstream = connect({ host: targetHost, port: targetPort });
    const pair = [client, upstream] as const;
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address !== "object") throw new Error("proxy has no address");
  const drop = () => {
    for (const [client, upstream] of [...pairs]) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
  };
  return {
    port: address.port,
    get connections() {
      return pairs.size;
    },
    drop,
    close() {
      drop();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
