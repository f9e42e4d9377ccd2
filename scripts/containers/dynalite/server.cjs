// Entry point of the local DynamoDB-compatible image (dynalite on Node).
//   node /opt/dynalite/server.cjs --port 8000 [other dynalite flags]
//
// Why a wrapper instead of dynalite's own cli.js:
// - As PID 1 in a container, Node ignores SIGTERM unless a handler exists, so
//   `docker stop` would wait for its kill timeout. We exit on SIGTERM/SIGINT.
// - dynalite 3.2.2 has no UpdateTimeToLive and always describes TTL as DISABLED,
//   so a store that creates its table "with TTL enabled" (as DynamoDB Local and
//   AWS allow) would fail here. We answer both calls and remember the setting.
//   Expired items are NOT reaped (DynamoDB itself reaps days late; stores must
//   filter expired items on read anyway).
//   Everything else goes to dynalite untouched.
"use strict";
const http = require("node:http");
const crypto = require("node:crypto");
const argv = require("minimist")(process.argv.slice(2));
const crc32 = require("buffer-crc32");
const { Readable } = require("node:stream");
const dynalite = require("dynalite");

for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0));

const inner = dynalite(argv); // an http.Server we never listen on; we reuse its handler
const handle = inner.listeners("request")[0];
const ttl = new Map(); // TableName -> AttributeName (enabled)

function reply(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/x-amz-json-1.0",
    "x-amzn-RequestId": crypto.randomUUID(),
    "x-amz-crc32": String(crc32.unsigned(text)),
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}

// Runs dynalite's own DescribeTimeToLive for this request (same auth and
// table-existence checks as any call) and captures its response.
function describeViaDynalite(req, data) {
  return new Promise((resolve) => {
    const body = Buffer.from(JSON.stringify({ TableName: data.TableName }));
    const headers = { ...req.headers, "x-amz-target": "DynamoDB_20120810.DescribeTimeToLive" };
    headers["content-length"] = String(body.length);
    const fakeReq = Object.assign(Readable.from([body]), { method: "POST", url: req.url, headers });
    const captured = { statusCode: 200, headers: {}, contentType: undefined };
    captured.setHeader = (k, v) => {
      captured.headers[k] = v;
    };
    captured.end = (b) => resolve({ ...captured, body: b === undefined ? "" : String(b) });
    handle(fakeReq, captured);
  });
}

async function ttlCall(op, data, req, res) {
  const described = await describeViaDynalite(req, data);
  if (described.statusCode !== 200) {
    res.writeHead(described.statusCode, described.headers);
    return res.end(described.body);
  }
  const table = data.TableName;
  if (op === "UpdateTimeToLive") {
    const spec = data.TimeToLiveSpecification || {};
    if (typeof spec.AttributeName !== "string" || typeof spec.Enabled !== "boolean") {
      return reply(res, 400, {
        __type: "com.amazon.coral.validate#ValidationException",
        message: "TimeToLiveSpecification {AttributeName, Enabled} is required",
      });
    }
    if (spec.Enabled) ttl.set(table, spec.AttributeName);
    else ttl.delete(table);
    return reply(res, 200, { TimeToLiveSpecification: spec });
  }
  if (ttl.has(table)) {
    return reply(res, 200, {
      TimeToLiveDescription: { TimeToLiveStatus: "ENABLED", AttributeName: ttl.get(table) },
    });
  }
  res.writeHead(200, described.headers);
  res.end(described.body);
}

// Feeds an already-read request body to dynalite's handler.
function replay(req, res, raw) {
  const clone = Object.assign(Readable.from([raw]), {
    method: req.method,
    url: req.url,
    headers: req.headers,
  });
  handle(clone, res);
}

const TTL_OPS = new Set(["UpdateTimeToLive", "DescribeTimeToLive"]);
const server = http.createServer((req, res) => {
  const op = String(req.headers["x-amz-target"] || "").split(".")[1] || "";
  // Only the TTL calls, and DeleteTable (a re-created table starts with TTL off), are looked at.
  if (!TTL_OPS.has(op) && op !== "DeleteTable") return handle(req, res);
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const raw = Buffer.concat(chunks);
    let data;
    try {
      data = JSON.parse(raw.toString("utf8") || "{}");
    } catch {
      return reply(res, 400, { __type: "com.amazon.coral.service#SerializationException" });
    }
    if (typeof data !== "object" || data === null) data = {};
    if (op === "DeleteTable") {
      ttl.delete(data.TableName);
      return replay(req, res, raw);
    }
    ttlCall(op, data, req, res).catch((err) =>
      reply(res, 500, { __type: "InternalFailure", message: String(err) }),
    );
  });
});

const port = Number(argv.port || 8000);
server.listen(port, argv.host || "0.0.0.0", () => {
  console.log(`dynalite listening on ${argv.host || "0.0.0.0"}:${port}`);
});
