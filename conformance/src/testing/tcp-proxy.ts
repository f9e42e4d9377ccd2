import { type AddressInfo, type Server, type Socket, connect, createServer } from "node:net";

/**
 * A TCP proxy on 127.0.0.1 in front of a server, whose `drop(ms)` cuts every open connection and
 * refuses new ones for `ms` (none by default: what a NAT timeout or a load balancer restart does
 * while the server stays up): a real network path losing its connections, with no mock involved.
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  /** Counted apart from `#sockets`, whose entries leave on their `close` event, a tick after a drop. */
  readonly #clients = new Set<Socket>();
  #refusingUntil = 0;

  private constructor(server: Server) {
    this.#server = server;
  }

  /** `port`: where to listen (0: any free port); a proxy closed and started again on its port is a server that came back. */
  static async start(target: URL, port = 0): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server);
    server.on("connection", (client) => proxy.#accept(client, target));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", resolve);
    });
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Open client connections (each with its upstream connection). */
  get connections(): number {
    return this.#clients.size;
  }

  drop(ms = 0): void {
    this.#refusingUntil = Date.now() + ms;
    for (const socket of this.#sockets) socket.destroy();
    this.#clients.clear();
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    this.#clients.clear();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket, target: URL): void {
    if (Date.now() < this.#refusingUntil) {
      client.destroy();
      return;
    }
    this.#clients.add(client);
    client.on("close", () => this.#clients.delete(client));
    const upstream = connect(Number(target.port), target.hostname);
    for (const [socket, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.#sockets.add(socket);
      socket.pipe(other);
      socket.on("error", () => other.destroy());
      socket.on("close", () => {
        this.#sockets.delete(socket);
        other.destroy();
      });
    }
  }
}
