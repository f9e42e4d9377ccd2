import { SessionHost, SessionRegistry, isSessionKVError, silentLogger } from "@sessionkv/core";
import { InMemorySessionKVStore } from "@sessionkv/memory";
import { describe, expect, it } from "vitest";
import { createSessionHandler } from "../src/index.js";
import { type OneNode, oneNode } from "./support/one-node.js";

// What this package adds to the original's routes, and how it answers bad input: over real HTTP
// against one node (an in-memory store; the fleet tests cover several processes on Redis).

async function start(
  url: string,
  callId: string,
): Promise<{ session_id: string; session_started_at: string }> {
  const response = await fetch(`${url}/calls/${callId}/sessions`, { method: "POST", body: "{}" });
  expect(response.status).toBe(201);
  return response.json();
}

/** A second host on the node's store: another node of the fleet, with a node record of its own. */
async function otherHost(
  node: OneNode,
  options: { labels?: Record<string, string> } = {},
): Promise<{ host: SessionHost } & AsyncDisposable> {
  const registry = new SessionRegistry({
    store: node.registry.store,
    nodeId: "node-b",
    ttlMs: 10_000,
    logger: silentLogger,
  });
  const host = new SessionHost({ registry, maintenanceIntervalMs: 4000, logger: silentLogger, ...options });
  await host.start();
  return {
    host,
    async [Symbol.asyncDispose]() {
      await host.stop();
      await registry.stop();
    },
  };
}

describe("listings", () => {
  it("GET /calls/{call}/sessions lists the call's sessions with metrics; GET /sessions every call's", async () => {
    await using node = await oneNode();
    const a = await start(node.url, "call-1");
    const b = await start(node.url, "call-1");
    const c = await start(node.url, "call-2");
    node.launched.metrics.set(a.session_id, { turns: 3 });
    await node.host.runCycle();
    const call1 = await (await fetch(`${node.url}/calls/call-1/sessions`)).json();
    expect(call1.call_id).toBe("call-1");
    expect(call1.sessions.map((s: { session_id: string }) => s.session_id)).toEqual([
      a.session_id,
      b.session_id,
    ]);
    expect(call1.sessions[0]).toMatchObject({ call_id: "call-1", node_id: "node-a", metrics: { turns: 3 } });
    const all = await (await fetch(`${node.url}/sessions`)).json();
    expect(all.node_id).toBe("node-a");
    expect(all.sessions.map((s: { session_id: string }) => s.session_id)).toEqual([
      a.session_id,
      b.session_id,
      c.session_id,
    ]);
    expect((await (await fetch(`${node.url}/calls/nobody/sessions`)).json()).sessions).toEqual([]);
  });

  it("the view hook hides a call from GET /sessions, the metrics hook hides metrics from both listings", async () => {
    await using node = await oneNode({
      permissions: {
        canViewSession: ({ callId }) => callId !== "secret",
        canViewMetrics: ({ callId }) => callId !== "no-metrics",
      },
    });
    await start(node.url, "secret");
    const open = await start(node.url, "no-metrics");
    const all = await (await fetch(`${node.url}/sessions`)).json();
    expect(all.sessions).toEqual([
      {
        session_id: open.session_id,
        call_id: "no-metrics",
        node_id: "node-a",
        session_started_at: open.session_started_at,
      },
    ]);
    expect((await fetch(`${node.url}/calls/secret/sessions`)).status).toBe(403);
    expect(
      (await (await fetch(`${node.url}/calls/no-metrics/sessions`)).json()).sessions[0].metrics,
    ).toBeUndefined();
  });

  it("GET /nodes lists every live node from its node record, those hosting nothing included", async () => {
    await using node = await oneNode();
    const alone = await (await fetch(`${node.url}/nodes`)).json();
    expect(alone.ttl_ms).toBe(10_000);
    expect(alone.nodes).toEqual([
      {
        node_id: "node-a",
        session_count: 0,
        draining: false,
        started_at: expect.stringMatching(/Z$/),
        updated_at: expect.stringMatching(/Z$/),
        version: expect.stringMatching(/^\d+\.\d+\.\d+/),
        labels: {},
        this_node: true,
      },
    ]);
    await start(node.url, "call-1");
    await start(node.url, "call-2");
    await node.host.runCycle();
    await using _nodeB = await otherHost(node, { labels: { region: "eu" } });
    const nodes = (await (await fetch(`${node.url}/nodes`)).json()).nodes;
    expect(nodes).toEqual([
      expect.objectContaining({ node_id: "node-a", session_count: 2, draining: false, this_node: true }),
      expect.objectContaining({
        node_id: "node-b",
        session_count: 0,
        labels: { region: "eu" },
        this_node: false,
      }),
    ]);
    await using refusing = await oneNode({ permissions: { canViewNodes: () => false } });
    expect((await fetch(`${refusing.url}/nodes`)).status).toBe(403);
  });

  it("DELETE of a session another node owns writes its close flag (the owner closes it on its cycle)", async () => {
    await using node = await oneNode();
    const other = new SessionRegistry({ store: node.registry.store, nodeId: "node-b", logger: silentLogger });
    await other.start();
    await other.register("call-1", "remote-1");
    expect((await fetch(`${node.url}/calls/call-1/sessions/remote-1`, { method: "DELETE" })).status).toBe(
      202,
    );
    expect(await other.getCloseRequests(new Map([["remote-1", "call-1"]]))).toEqual(["remote-1"]);
  });
});

describe("POST /nodes/{node}/drain", () => {
  it("is refused (403) when no canDrainNode hook is given, unlike the original's hooks", async () => {
    await using node = await oneNode();
    await using other = await otherHost(node);
    const response = await fetch(`${node.url}/nodes/node-b/drain`, { method: "POST" });
    expect(response.status).toBe(403);
    expect((await response.json()).error.code).toBe("ERR_FORBIDDEN");
    await other.host.runCycle();
    expect(other.host.draining).toBe(false);
    const permissions = await (await fetch(`${node.url}/nodes/node-b/permissions`)).json();
    expect(permissions).toEqual({ node_id: "node-b", can_view_nodes: true, can_drain_node: false });
  });

  it("202 when asked: the node drains on its next cycle and shows draining; 404 without a node record", async () => {
    await using node = await oneNode({
      permissions: { canDrainNode: ({ request }) => request.headers.get("authorization") === "Bearer ops" },
    });
    await using other = await otherHost(node);
    const ops = { authorization: "Bearer ops" };
    expect((await fetch(`${node.url}/nodes/node-b/drain`, { method: "POST" })).status).toBe(403);
    expect(
      await (await fetch(`${node.url}/nodes/node-b/permissions`, { headers: ops })).json(),
    ).toMatchObject({ can_drain_node: true });
    const asked = await fetch(`${node.url}/nodes/node-b/drain`, {
      method: "POST",
      headers: ops,
      body: JSON.stringify({ grace_ms: 5000 }),
    });
    expect(asked.status).toBe(202);
    await other.host.runCycle();
    expect(other.host.draining).toBe(true);
    const listed = (await (await fetch(`${node.url}/nodes`)).json()).nodes;
    expect(listed.map((n: { node_id: string; draining: boolean }) => [n.node_id, n.draining])).toEqual([
      ["node-a", false],
      ["node-b", true],
    ]);
    const missing = await fetch(`${node.url}/nodes/node-z/drain`, { method: "POST", headers: ops });
    expect(missing.status).toBe(404);
    expect((await missing.json()).detail).toBe("Node with id 'node-z' not found");
  });

  it.each([
    ["not JSON", "{", "the body must be a JSON object"],
    ["grace_ms not a number", '{"grace_ms": "30s"}', "grace_ms must be a number of milliseconds"],
    ["grace_ms negative", '{"grace_ms": -1}', /graceMs must be a finite number of milliseconds/],
  ])("a body that is %s: 400 ERR_INVALID_ARGUMENT, no flag written", async (_, body, message) => {
    await using node = await oneNode({ permissions: { canDrainNode: () => true } });
    const response = await fetch(`${node.url}/nodes/node-a/drain`, { method: "POST", body });
    expect(response.status).toBe(400);
    const error = (await response.json()).error;
    expect(error.code).toBe("ERR_INVALID_ARGUMENT");
    expect(error.message).toMatch(message);
    await node.host.runCycle();
    expect(node.host.draining).toBe(false);
  });

  it("a node id core refuses: 400", async () => {
    await using node = await oneNode({ permissions: { canDrainNode: () => true } });
    const response = await fetch(`${node.url}/nodes/a%2Fb/drain`, { method: "POST" });
    expect(response.status).toBe(400);
    expect((await response.json()).error.code).toBe("ERR_INVALID_ARGUMENT");
  });

  it("a start on a draining node: 503 ERR_DRAINING with the error body, before launch", async () => {
    await using node = await oneNode();
    await node.host.drain();
    const response = await fetch(`${node.url}/calls/c/sessions`, { method: "POST" });
    expect(response.status).toBe(503);
    const body = await response.json();
    expect(body.error.code).toBe("ERR_DRAINING");
    expect(body.detail).toBe(body.error.message);
    expect(body.error.message).toMatch(/node "node-a" is draining/);
    expect(node.launched.calls).toEqual([]);
  });
});

describe("a node that starts draining while launch runs", () => {
  it("answers 503 ERR_DRAINING from host.add and closes the launched session (host-stopped)", async () => {
    const closed: string[] = [];
    let drain: () => Promise<void> = async () => {};
    await using node = await oneNode({
      launch: async () => {
        await drain();
        return { close: (reason) => void closed.push(reason) };
      },
    });
    drain = () => node.host.drain();
    const response = await fetch(`${node.url}/calls/c/sessions`, { method: "POST" });
    expect(response.status).toBe(503);
    expect((await response.json()).error.code).toBe("ERR_DRAINING");
    expect(closed).toEqual(["host-stopped"]);
    expect(node.host.sessions.size).toBe(0);
  });
});

describe("GET /calls/{call}/permissions", () => {
  it("answers what each hook says for the caller, a hook's own response counting as no", async () => {
    await using node = await oneNode({
      permissions: {
        canCloseSession: ({ request }) => request.headers.get("authorization") === "Bearer ops",
        canStartSession: () => new Response("go away", { status: 401 }),
      },
    });
    const anonymous = await (await fetch(`${node.url}/calls/c/permissions`)).json();
    expect(anonymous).toEqual({
      call_id: "c",
      can_start_session: false,
      can_close_session: false,
      can_view_session: true,
      can_view_metrics: true,
    });
    const ops = await (
      await fetch(`${node.url}/calls/c/permissions`, { headers: { authorization: "Bearer ops" } })
    ).json();
    expect(ops.can_close_session).toBe(true);
    const refused = await fetch(`${node.url}/calls/c/sessions`, { method: "POST" });
    expect(refused.status).toBe(401);
    expect(await refused.text()).toBe("go away");
  });
});

describe("bad input: 400 with a typed code, never a stack trace", () => {
  it.each([
    ["not JSON", "{", "the body must be a JSON object"],
    ["a JSON array", "[1]", "the body must be a JSON object"],
    ["call_type not a string", '{"call_type": 3}', "call_type must be a non-empty string"],
  ])("a start body that is %s", async (_, body, message) => {
    await using node = await oneNode();
    const response = await fetch(`${node.url}/calls/c/sessions`, { method: "POST", body });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: { code: "ERR_INVALID_ARGUMENT", message },
      detail: message,
    });
    expect(node.launched.calls).toEqual([]);
  });

  it("an id core refuses (a / inside, percent-encoded), before launch runs", async () => {
    await using node = await oneNode();
    const response = await fetch(`${node.url}/calls/a%2Fb/sessions`, { method: "POST" });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error.code).toBe("ERR_INVALID_ARGUMENT");
    expect(body.error.message).toMatch(/^callId "a\/b" must not contain "\/"/);
    expect(node.launched.calls).toEqual([]);
    expect((await fetch(`${node.url}/calls/a%2Fb/sessions/x`)).status).toBe(400);
  });

  it("a malformed percent-encoding", async () => {
    await using node = await oneNode();
    const response = await fetch(`${node.url}/calls/%E0%A4/sessions`);
    expect(response.status).toBe(400);
    expect((await response.json()).error.code).toBe("ERR_INVALID_ARGUMENT");
  });

  it("a body past maxBodyBytes: 413 ERR_BODY_TOO_LARGE", async () => {
    await using node = await oneNode({ maxBodyBytes: 100 });
    const response = await fetch(`${node.url}/calls/c/sessions`, {
      method: "POST",
      body: JSON.stringify({ call_type: "x".repeat(200) }),
    });
    expect(response.status).toBe(413);
    expect((await response.json()).error.code).toBe("ERR_BODY_TOO_LARGE");
  });

  it("no such route: 404 ERR_NOT_FOUND; a wrong method: 405 ERR_METHOD_NOT_ALLOWED with Allow", async () => {
    await using node = await oneNode();
    const missing = await fetch(`${node.url}/calls/c`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe("ERR_NOT_FOUND");
    const wrong = await fetch(`${node.url}/calls/c/sessions/s`, { method: "PUT" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET, DELETE");
    expect((await wrong.json()).error.code).toBe("ERR_METHOD_NOT_ALLOWED");
  });

  it("a hook that throws: 500 ERR_INTERNAL, the cause only in the log", async () => {
    const logged: unknown[] = [];
    await using node = await oneNode({
      permissions: {
        canViewSession: () => {
          throw new Error("db password hunter2");
        },
      },
      logger: { ...silentLogger, error: (_message: string, error?: unknown) => logged.push(error) },
    });
    const response = await fetch(`${node.url}/calls/c/sessions/s`);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text).error).toEqual({ code: "ERR_INTERNAL", message: "internal error" });
    expect(text).not.toContain("hunter2");
    expect(String(logged[0])).toContain("hunter2");
  });
});

describe("a session the host refuses", () => {
  it("is closed with host-stopped (nothing else would close it), and the host's error is the answer", async () => {
    await using node = await oneNode({ newSessionId: () => "same-id" });
    await start(node.url, "call-1");
    const again = await fetch(`${node.url}/calls/call-1/sessions`, { method: "POST" });
    expect(again.status).toBe(400);
    expect((await again.json()).error.message).toBe('sessionId "same-id" is already hosted on this node');
    expect(node.launched.calls).toHaveLength(2);
    expect(node.launched.closed.get("same-id")).toBe("host-stopped");
    expect(node.host.sessions.get("same-id")).toBe("call-1");
  });
});

describe("readiness", () => {
  it("/ready answers 503 ERR_NOT_READY once the host stopped, /health still 200; a start is 503 before launch", async () => {
    await using node = await oneNode();
    await node.host.stop();
    const ready = await fetch(`${node.url}/ready`);
    expect(ready.status).toBe(503);
    expect((await ready.json()).detail).toBe("Server is not ready to accept requests");
    expect((await fetch(`${node.url}/health`)).status).toBe(200);
    const started = await fetch(`${node.url}/calls/c/sessions`, { method: "POST" });
    expect(started.status).toBe(503);
    expect((await started.json()).error.code).toBe("ERR_NOT_RUNNING");
    expect(node.launched.calls).toEqual([]);
  });
});

describe("CORS", () => {
  it("is off by default: no CORS header, a preflight is not answered as one", async () => {
    await using node = await oneNode();
    const response = await fetch(`${node.url}/health`, { headers: { origin: "https://evil.example" } });
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await fetch(`${node.url}/calls/c/sessions`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(405);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("with an allow-list: the listed origin gets the headers and its preflight, another origin none", async () => {
    await using node = await oneNode({
      cors: { allowOrigins: ["https://ops.example"], allowCredentials: true },
    });
    const allowed = await fetch(`${node.url}/health`, { headers: { origin: "https://ops.example" } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://ops.example");
    expect(allowed.headers.get("access-control-allow-credentials")).toBe("true");
    const preflight = await fetch(`${node.url}/calls/c/sessions/s`, {
      method: "OPTIONS",
      headers: { origin: "https://ops.example", "access-control-request-method": "DELETE" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-methods")).toBe("GET, POST, DELETE");
    const other = await fetch(`${node.url}/health`, { headers: { origin: "https://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("basePath and the dashboard route", () => {
  it("serves the routes and the page under basePath, nothing outside it", async () => {
    await using node = await oneNode({
      basePath: "/agents",
      dashboard: { path: "/ui", writes: true, pollIntervalMs: 500 },
    });
    expect((await fetch(`${node.url}/agents/health`)).status).toBe(200);
    expect((await fetch(`${node.url}/health`)).status).toBe(404);
    const page = await fetch(`${node.url}/agents/ui`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toContain("connect-src 'self'");
    const html = await page.text();
    expect(html).toContain('{"basePath":"/agents","writes":true,"pollIntervalMs":500}');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\//);
  });

  it("dashboard: false serves no page", async () => {
    await using node = await oneNode({ dashboard: false });
    expect((await fetch(`${node.url}/dashboard`)).status).toBe(404);
  });
});

describe("options", () => {
  const store = new InMemorySessionKVStore();
  const host = new SessionHost({
    registry: new SessionRegistry({ store, logger: silentLogger }),
    logger: silentLogger,
  });
  const launch = () => ({ close() {} });
  it.each([
    ["no host", { launch }, /^host must be a SessionHost/],
    ["no launch", { host }, /^launch must be a function/],
    [
      "a hook that is not a function",
      { host, launch, permissions: { canViewSession: true } },
      /^permissions\.canViewSession/,
    ],
    ["an empty CORS allow-list", { host, launch, cors: { allowOrigins: [] } }, /^cors\.allowOrigins/],
    ["a basePath with a trailing slash", { host, launch, basePath: "/agents/" }, /^basePath/],
    [
      "a poll interval below 250 ms",
      { host, launch, dashboard: { pollIntervalMs: 10 } },
      /^dashboard\.pollIntervalMs/,
    ],
    ["maxBodyBytes 0", { host, launch, maxBodyBytes: 0 }, /^maxBodyBytes/],
  ])("refuses %s with ERR_INVALID_ARGUMENT naming it", (_, options, message) => {
    let thrown: unknown;
    try {
      createSessionHandler(options as never);
    } catch (error) {
      thrown = error;
    }
    expect(isSessionKVError(thrown, "ERR_INVALID_ARGUMENT")).toBe(true);
    expect((thrown as Error).message).toMatch(message);
  });
});
