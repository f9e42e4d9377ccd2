// The proxy the fault command and the backends' drop tests put between a client and a real
// server: a drop must cut what is open, and new connections must be accepted again only after
// the refusal window.
import { connect, createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { TcpProxy } from "../src/testing/index.js";

describe("TcpProxy", () => {
  it("forwards both ways, drop() cuts open connections, new ones are accepted", async () => {
    const echo = createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
    const port = (echo.address() as { port: number }).port;
    const proxy = await TcpProxy.start(new URL(`tcp://127.0.0.1:${port}`));
    const exchange = () =>
      new Promise<{ reply: string; closed: Promise<void>; socket: ReturnType<typeof connect> }>(
        (resolve, reject) => {
          const socket = connect({ host: "127.0.0.1", port: proxy.port }, () => socket.write("ping"));
          const closed = new Promise<void>((r) => socket.on("close", () => r()));
          socket.once("data", (data) => resolve({ reply: data.toString(), closed, socket }));
          socket.on("error", reject);
        },
      );
    try {
      const first = await exchange();
      expect(first.reply).toBe("ping");
      expect(proxy.connections).toBe(1);
      proxy.drop();
      await first.closed;
      expect(proxy.connections).toBe(0);
      const second = await exchange();
      expect(second.reply).toBe("ping");
      second.socket.destroy();
    } finally {
      await proxy.close();
      await new Promise((r) => echo.close(r));
    }
  });

  it("drop(ms) refuses new connections for ms: they close before any byte is forwarded", async () => {
    const echo = createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
    const port = (echo.address() as { port: number }).port;
    const proxy = await TcpProxy.start(new URL(`tcp://127.0.0.1:${port}`));
    try {
      proxy.drop(60_000);
      const replied = await new Promise<boolean>((resolve) => {
        const socket = connect({ host: "127.0.0.1", port: proxy.port }, () => socket.write("ping"));
        socket.once("data", () => resolve(true));
        socket.on("error", () => undefined);
        socket.on("close", () => resolve(false));
      });
      expect(replied).toBe(false);
      expect(proxy.connections).toBe(0);
    } finally {
      await proxy.close();
      await new Promise((r) => echo.close(r));
    }
  });
});
