import { connect } from "node:net";

/** One text-protocol exchange with a server (for checks the store's own API cannot make). */
export function textCommand(endpoint: string, line: string): Promise<string> {
  const [host, port] = endpoint.split(":");
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), host!);
    let reply = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no reply to ${line}`));
    }, 5_000);
    socket.on("connect", () => socket.write(`${line}\r\n`));
    socket.on("data", (chunk) => {
      reply += chunk.toString("latin1");
      if (reply.endsWith("\r\n")) {
        clearTimeout(timer);
        socket.end();
        resolve(reply.trimEnd());
      }
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
