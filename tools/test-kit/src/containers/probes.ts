// Readiness probes: one protocol exchange per backend, from the host, with Node
// built-ins only. Why not Testcontainers' port check: it execs shell tools inside
// the container (absent from distroless etcd images), and a host-side TCP connect
// succeeds through docker-proxy before the server listens. A real reply is the
// only proof that a client can talk to the server.

import { request } from "node:http";
import { connect } from "node:net";

/** Resolves with a short description of the reply, rejects when the server does not answer properly. */
export type Probe = (host: string, port: number, timeoutMs: number) => Promise<string>;

/** Sends `payload`, collects bytes until `done` says the reply is complete. */
function exchange(
  host: string,
  port: number,
  payload: Uint8Array,
  done: (reply: Buffer) => boolean,
  timeoutMs: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let reply = Buffer.alloc(0);
    const socket = connect({ host, port });
    const finish = (error?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(reply);
    };
    const timer = setTimeout(() => finish(new Error(`no reply within ${timeoutMs} ms`)), timeoutMs);
    socket.on("connect", () => socket.write(payload));
    socket.on("data", (chunk) => {
      reply = Buffer.concat([reply, chunk]);
      if (done(reply)) finish();
    });
    socket.on("error", (error) => finish(error));
    socket.on("close", () => finish(new Error("connection closed before a complete reply")));
  });
}

/** Redis / Valkey: `PING`. `-NOAUTH` still proves the server is up (password set via args). */
export const probeRedis: Probe = async (host, port, timeoutMs) => {
  const reply = await exchange(host, port, Buffer.from("PING\r\n"), (b) => b.includes("\r\n"), timeoutMs);
  const line = reply.toString("latin1").split("\r\n")[0] ?? "";
  if (line === "+PONG" || line.startsWith("-NOAUTH")) return line;
  throw new Error(`unexpected reply to PING: ${JSON.stringify(line)}`); // e.g. -LOADING
};

/**
 * Memcached: a binary-protocol `version` request (24-byte header, opcode 0x0b).
 * Binary rather than text so that a server started with SASL (`-S`, text protocol
 * off) is probed the same way; an auth error (0x20) still proves it is up.
 */
export const probeMemcached: Probe = async (host, port, timeoutMs) => {
  const header = Buffer.alloc(24);
  header[0] = 0x80; // request magic
  header[1] = 0x0b; // version
  const complete = (b: Buffer) => b.length >= 24 && b.length >= 24 + b.readUInt32BE(8);
  const reply = await exchange(host, port, header, complete, timeoutMs);
  if (reply[0] !== 0x81) throw new Error("not a memcached binary-protocol reply");
  const status = reply.readUInt16BE(6);
  if (status === 0) return `memcached ${reply.subarray(24, 24 + reply.readUInt32BE(8)).toString("latin1")}`;
  if (status === 0x20) return "memcached (authentication required)";
  throw new Error(`memcached version request failed with status 0x${status.toString(16)}`);
};

function httpCall(
  host: string,
  port: number,
  options: { method: string; path: string; headers?: Record<string, string>; body?: string },
  timeoutMs: number,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port,
        method: options.method,
        path: options.path,
        headers: options.headers,
        timeout: timeoutMs,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no reply within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(options.body);
  });
}

/** etcd: `GET /health` is true once the (single) member has a leader and serves reads. */
export const probeEtcd: Probe = async (host, port, timeoutMs) => {
  const { status, body } = await httpCall(host, port, { method: "GET", path: "/health" }, timeoutMs);
  if (status === 200 && /"health"\s*:\s*"true"/.test(body)) return body.trim();
  throw new Error(`etcd /health answered ${status}: ${body.slice(0, 200)}`);
};

/** DynamoDB Local: an unsigned-but-well-formed `ListTables` call. */
export const probeDynamoDB: Probe = async (host, port, timeoutMs) => {
  const { status, body } = await httpCall(
    host,
    port,
    {
      method: "POST",
      path: "/",
      headers: dynamoHeaders("ListTables"),
      body: "{}",
    },
    timeoutMs,
  );
  if (status === 200 && body.includes("TableNames")) return body.trim();
  throw new Error(`ListTables answered ${status}: ${body.slice(0, 200)}`);
};

/**
 * Headers for a DynamoDB JSON call. Local emulators check the shape of the
 * SigV4 Authorization header but not the signature, so a dummy one is enough.
 */
function dynamoHeaders(operation: string): Record<string, string> {
  const date = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+/, ""); // 20250101T000000Z
  return {
    "Content-Type": "application/x-amz-json-1.0",
    "X-Amz-Target": `DynamoDB_20120810.${operation}`,
    "X-Amz-Date": date,
    Authorization:
      `AWS4-HMAC-SHA256 Credential=local/${date.slice(0, 8)}/us-east-1/dynamodb/aws4_request, ` +
      "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=00",
  };
}

/** A complete RESP reply to a command answering with a bulk string (or an error line). */
function bulkReplyComplete(reply: Buffer): boolean {
  const text = reply.toString("latin1");
  const header = /^\$(\d+)\r\n/.exec(text);
  if (header) return reply.length >= header[0].length + Number(header[1]) + 2;
  return text.includes("\r\n");
}

/**
 * Redis Cluster: `CLUSTER INFO` on the first node says every slot is served, by `masters`
 * masters, in a cluster of `nodes` nodes (after `--cluster create`, the nodes meet one by one).
 */
export function probeRedisCluster(masters: number, nodes: number): Probe {
  return async (host, port, timeoutMs) => {
    const reply = await exchange(host, port, Buffer.from("CLUSTER INFO\r\n"), bulkReplyComplete, timeoutMs);
    const info = reply.toString("latin1");
    const wanted = ["cluster_state:ok", `cluster_known_nodes:${nodes}\r\n`, `cluster_size:${masters}\r\n`];
    if (wanted.every((line) => info.includes(line))) return wanted.join(" ").replace(/\r\n/g, "");
    throw new Error(`cluster not ready: ${JSON.stringify(info.split("\r\n").slice(0, 7).join(" "))}`);
  };
}

/**
 * Redis Sentinel, asked on the first sentinel: the quorum is reachable with every sentinel, and
 * the replica is known and in sync (a failover needs both). The trailing PING marks the end of
 * the pipelined replies, so no RESP array parser is needed.
 */
export function probeRedisSentinel(master: string, sentinels: number): Probe {
  return async (host, port, timeoutMs) => {
    const request = `SENTINEL CKQUORUM ${master}\r\nSENTINEL REPLICAS ${master}\r\nPING\r\n`;
    const reply = await exchange(host, port, Buffer.from(request), (b) => b.includes("+PONG\r\n"), timeoutMs);
    const text = reply.toString("latin1");
    const quorum = text.startsWith(`+OK ${sentinels} usable Sentinels`);
    const replicaInSync = /master-link-status\r\n\$2\r\nok\r\n/.test(text);
    if (quorum && replicaInSync) return `${sentinels} sentinels, replica in sync`;
    throw new Error(
      `sentinels not ready: ${JSON.stringify(text.split("\r\n")[0])}, replica in sync: ${replicaInSync}`,
    );
  };
}
