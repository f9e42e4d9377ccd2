import { connect } from "node:net";

/**
 * One text-protocol exchange with a server (for checks the store's own API cannot make); the
 * reply is complete once it ends with `until` (a multi-line reply such as `stats` ends with END).
 */
export function textCommand(endpoint: string, line: string, until = "\r\n"): Promise<string> {
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
      if (reply.endsWith(until)) {
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

/** The server's own clock, in Unix seconds: the one its TTLs count against (a whole second, and it may lag). */
export async function serverTime(endpoint: string): Promise<number> {
  const reply = await textCommand(endpoint, "stats", "END\r\n");
  const time = /^STAT time (\d+)\r?$/m.exec(reply)?.[1];
  if (time === undefined) throw new Error(`no time in the stats reply: ${reply.slice(0, 200)}`);
  return Number(time);
}
