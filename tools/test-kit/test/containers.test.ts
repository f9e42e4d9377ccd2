// The container fixtures themselves: every backend's container starts and answers
// a raw protocol exchange (Node built-ins only, independent of the fixtures' own
// probes and of any client library), and restart() keeps the host port.
// Under CI a missing runtime fails this file; on a laptop without Docker it skips.

import { execFileSync } from "node:child_process";
import { request } from "node:http";
import { connect } from "node:net";
import { eventually } from "@sessionkv/conformance/testing";
import { afterAll, describe, expect, it } from "vitest";
import {
  BACKENDS,
  type BackendDefinition,
  LOCAL_IMAGES,
  OFFICIAL_IMAGES,
  type StartedServer,
  backendTargets,
  dynamodbTargets,
  etcdTargets,
  memcachedTargets,
  redisTargets,
  requireContainers,
  startEtcd,
  startMemcachedPool,
  startRedis,
  stopAllServers,
} from "../src/containers/index.ts";

const gate = await requireContainers();
const SLOW = { timeout: 180_000 };

/** Writes `payload`, resolves with everything received once `until` matches (or rejects after `timeoutMs`). */
function tcp(port: number, payload: string, until: RegExp, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const socket = connect({ host: "127.0.0.1", port }, () => socket.write(payload));
    const timer = setTimeout(
      () => socket.destroy(new Error(`no reply, got ${JSON.stringify(text)}`)),
      timeoutMs,
    );
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      text += chunk;
      if (until.test(text)) {
        clearTimeout(timer);
        socket.end();
        resolve(text);
      }
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function http(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers, timeout: 5_000 }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(body);
  });
}

function dynamo(port: number, operation: string, payload: object) {
  const amzDate = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "");
  return http(
    port,
    "POST",
    "/",
    {
      "Content-Type": "application/x-amz-json-1.0",
      "X-Amz-Target": `DynamoDB_20120810.${operation}`,
      "X-Amz-Date": amzDate,
      Authorization: `AWS4-HMAC-SHA256 Credential=test/${amzDate.slice(0, 8)}/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=00`,
    },
    JSON.stringify(payload),
  );
}

const redisPing = (s: StartedServer) => tcp(s.port, "PING\r\n", /\r\n/);
const memcachedVersion = (s: StartedServer) => tcp(s.port, "version\r\n", /\r\n/);

afterAll(() => stopAllServers());

describe("backend registry", () => {
  const definitions = Object.entries(BACKENDS) as [keyof typeof BACKENDS, BackendDefinition][];

  it("derives the version matrices from each backend's definition", () => {
    for (const [backend, definition] of definitions) {
      expect(OFFICIAL_IMAGES[backend]).toEqual(definition.versions.map((v) => v.official));
      expect(LOCAL_IMAGES[backend]).toEqual(definition.versions.map((v) => v.local));
    }
    const envNames = definitions.map(([, d]) => d.imageEnv);
    expect(new Set(envNames).size).toBe(envNames.length);
  });

  it("has build-images.sh build every local image the definitions use, with their commands", () => {
    const plan = execFileSync(process.execPath, ["cli/image-plan.ts"], {
      cwd: new URL("../", import.meta.url),
      encoding: "utf8",
    });
    const built = new Map(
      plan
        .trim()
        .split("\n")
        .map((line) => line.split("\t"))
        // kind, suite, package, version prefix, image, port, command (then a jar's own fields).
        .map((fields) => [fields[4], JSON.parse(fields[6] ?? "null")] as const),
    );
    const commandChecked = new Set<string>();
    for (const [, definition] of definitions) {
      for (const image of [definition.defaults.local, ...definition.versions.map((v) => v.local)]) {
        expect(built.has(image), image).toBe(true);
        // An image's default command is that of the first single-server backend naming it.
        const port = definition.containerPort;
        if (port === undefined || commandChecked.has(image)) continue;
        commandChecked.add(image);
        expect(built.get(image), image).toEqual(definition.command(image, port, [port]));
      }
    }
  });
});

describe.skipIf(!gate.run)("container fixtures", () => {
  describe.each(redisTargets().map((t) => [t.name, t] as const))("%s", (_name, target) => {
    it("answers PING and SET/GET", SLOW, async () => {
      await using server = await target.start();
      expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
      expect(await redisPing(server)).toBe("+PONG\r\n");
      const reply = await tcp(server.port, "SET k v\r\nGET k\r\n", /\$1\r\nv\r\n/);
      expect(reply).toBe("+OK\r\n$1\r\nv\r\n");
    });
  });

  describe.each(memcachedTargets().map((t) => [t.name, t] as const))("%s", (_name, target) => {
    it("answers version", SLOW, async () => {
      await using server = await target.start();
      expect(server.endpoint).toBe(`127.0.0.1:${server.port}`);
      expect(await memcachedVersion(server)).toMatch(/^VERSION 1\.6\.\d+/);
    });
  });

  describe.each(etcdTargets().map((t) => [t.name, t] as const))("%s", (_name, target) => {
    it("answers GET /version and advertises the host port", SLOW, async () => {
      await using server = await target.start();
      const version = await http(server.port, "GET", "/version");
      expect(version.status).toBe(200);
      expect(JSON.parse(version.body)).toHaveProperty("etcdserver");
      // Clients follow the advertised client URL, so it must be reachable from the host.
      const members = await http(server.port, "POST", "/v3/cluster/member/list", {}, "{}");
      expect(members.body).toContain(`http://127.0.0.1:${server.port}`);
    });
  });

  describe.each(dynamodbTargets().map((t) => [t.name, t] as const))("%s", (_name, target) => {
    it("answers ListTables and enables TTL on a new table", SLOW, async () => {
      await using server = await target.start();
      const tables = await dynamo(server.port, "ListTables", {});
      expect(tables.status).toBe(200);
      expect(JSON.parse(tables.body)).toHaveProperty("TableNames");
      const created = await dynamo(server.port, "CreateTable", {
        TableName: "fixture-check",
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      });
      expect(created.status, created.body).toBe(200);
      // Stores enable TTL at table creation; DynamoDB Local supports it, on both images.
      const ttl = await dynamo(server.port, "UpdateTimeToLive", {
        TableName: "fixture-check",
        TimeToLiveSpecification: { AttributeName: "ttl", Enabled: true },
      });
      expect(ttl.status, ttl.body).toBe(200);
      const described = await dynamo(server.port, "DescribeTimeToLive", { TableName: "fixture-check" });
      expect(JSON.parse(described.body).TimeToLiveDescription).toMatchObject({
        TimeToLiveStatus: expect.stringMatching(/ENABL/),
        AttributeName: "ttl",
      });
    });
  });

  describe.each(backendTargets(["redis-cluster"]).map((t) => [t.name, t] as const))("%s", (_name, target) => {
    it("is three masters with a replica each, every node announcing a published port", SLOW, async () => {
      await using server = await target.start();
      expect(server.ports).toHaveLength(6);
      expect(server.port).toBe(server.ports[0]);
      await eventually(async () => {
        const reply = await tcp(server.port, "CLUSTER NODES\r\n", /\n\r\n$/);
        const entries = reply
          .split("\n")
          .filter((line) => /^[0-9a-f]{40} /.test(line))
          .map((line) => line.trim().split(" "));
        const address = (entry: string[]) => Number(/^127\.0\.0\.1:(\d+)@/.exec(entry[1] ?? "")?.[1]);
        expect(entries.map(address).sort()).toEqual([...server.ports].sort());
        const masters = entries.filter((e) => e[2]?.includes("master") && e.length > 8);
        const replicas = entries.filter((e) => e[2]?.includes("slave"));
        expect([masters.length, replicas.length]).toEqual([3, 3]);
      });
      // Every node answers on its published port and redirects to the slot's master there.
      for (const port of server.ports) expect(await tcp(port, "PING\r\n", /\r\n/)).toBe("+PONG\r\n");
      const moved = await Promise.all(server.ports.map((port) => tcp(port, "GET k\r\n", /\r\n/)));
      const redirect = moved.find((reply) => reply.startsWith("-MOVED"));
      expect(redirect).toMatch(/^-MOVED \d+ 127\.0\.0\.1:(\d+)\r\n$/);
      expect(server.ports).toContain(Number(/:(\d+)\r\n$/.exec(redirect!)?.[1]));
    });
  });

  it("restart() brings Redis back empty on the same port; pause() silences it", SLOW, async () => {
    await using server = await startRedis();
    const { port } = server;
    await tcp(port, "SET k v\r\n", /\r\n/);
    await server.pause();
    await expect(tcp(port, "PING\r\n", /\r\n/, 1_000)).rejects.toThrow(/no reply/);
    await server.restart(); // unpauses first
    expect(server.port).toBe(port);
    expect(await redisPing(server)).toBe("+PONG\r\n");
    expect(await tcp(port, "EXISTS k\r\n", /\r\n/)).toBe(":0\r\n");
  });

  it("restart() keeps etcd on the same port", SLOW, async () => {
    await using server = await startEtcd();
    const { port } = server;
    await server.restart();
    expect(server.port).toBe(port);
    expect((await http(port, "GET", "/health")).body).toContain("true");
  });

  it("startMemcachedPool(2) starts two independent servers", SLOW, async () => {
    const pool = await startMemcachedPool(2);
    try {
      const [a, b] = pool as [StartedServer, StartedServer];
      expect(a.port).not.toBe(b.port);
      await tcp(a.port, "set only-a 0 60 1\r\nx\r\n", /STORED\r\n/);
      expect(await tcp(a.port, "get only-a\r\n", /END\r\n/)).toContain("VALUE only-a");
      expect(await tcp(b.port, "get only-a\r\n", /END\r\n/)).toBe("END\r\n");
      const { port } = a;
      await a.restart();
      expect(await memcachedVersion(a)).toMatch(/^VERSION/);
      expect(a.port).toBe(port);
    } finally {
      await Promise.all(pool.map((s) => s.stop()));
    }
  });
});
