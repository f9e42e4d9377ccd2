import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import type { SessionHandler } from "./handler.js";

/**
 * A `node:http` request listener around a Fetch-API handler:
 * `createServer(toNodeListener(handler)).listen(8000)`. Connect-style frameworks take it as a
 * middleware; the handler routes on the path it is given (`req.url`), so `basePath` is the part
 * of that path before the routes.
 */
export function toNodeListener(handler: SessionHandler): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void answer(handler, req, res);
  };
}

async function answer(handler: SessionHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const aborted = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) aborted.abort();
  });
  let response: Response;
  try {
    response = await handler(toRequest(req, aborted.signal));
  } catch {
    // Only a malformed request line gets here (the handler itself never rejects).
    response = Response.json(
      { error: { code: "ERR_INVALID_ARGUMENT", message: "malformed request" }, detail: "malformed request" },
      { status: 400 },
    );
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of response.headers) if (name !== "set-cookie") headers[name] = value;
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  res.writeHead(response.status, response.statusText || undefined, headers);
  if (response.body === null || req.method === "HEAD") {
    res.end();
    return;
  }
  try {
    for await (const chunk of response.body) {
      if (!res.write(chunk)) await new Promise<void>((resolve) => res.once("drain", resolve));
    }
    res.end();
  } catch {
    res.destroy();
  }
}

function toRequest(req: IncomingMessage, signal: AbortSignal): Request {
  const host = req.headers.host;
  const base =
    host !== undefined && /^[A-Za-z0-9.:[\]-]+$/.test(host) ? `http://${host}` : "http://localhost";
  const url = new URL(req.url ?? "/", base);
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
  }
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(url, {
    method,
    headers,
    signal,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: "half" } : {}),
  } as RequestInit);
}
