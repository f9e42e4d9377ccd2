import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A DynamoDB endpoint on 127.0.0.1 that refuses every request with the given error type and puts
 * the request's headers (the session token among them) into the error message, as a misbehaving
 * proxy or a debugging endpoint may: the SDK parses it into an exception like any other refusal.
 */
export interface EchoEndpoint {
  readonly url: string;
  /** The session tokens the requests carried, in order. */
  readonly tokens: string[];
  close(): Promise<void>;
}

export async function startEchoEndpoint(type: string): Promise<EchoEndpoint> {
  const tokens: string[] = [];
  const server: Server = createServer((request, response) => {
    const token = request.headers["x-amz-security-token"];
    if (typeof token === "string") tokens.push(token);
    request.resume();
    request.on("end", () => {
      response.writeHead(400, { "content-type": "application/x-amz-json-1.0" });
      response.end(
        JSON.stringify({ __type: type, message: `request headers: ${JSON.stringify(request.headers)}` }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tokens,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
