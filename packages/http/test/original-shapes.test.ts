import { describe, expect, it } from "vitest";
import { LIMIT_REACHED } from "../src/index.js";
import { oneNode } from "./support/one-node.js";

// The Python original's own API tests (tests/test_agents/test_runner.py in Vision Agents),
// replayed request for request: the same paths, methods and bodies, and the status codes and
// response fields it asserts. A client written against that runner sees the same here.

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z$/;

async function post(url: string, body?: unknown): Promise<Response> {
  return fetch(url, {
    method: "POST",
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
}

describe("the original's runner tests, replayed", () => {
  it("test_health and test_ready: 200", async () => {
    await using node = await oneNode();
    expect((await fetch(`${node.url}/health`)).status).toBe(200);
    expect((await fetch(`${node.url}/ready`)).status).toBe(200);
  });

  it("test_start_session_success: 201 with call_id, session_id, session_started_at", async () => {
    await using node = await oneNode();
    const response = await post(`${node.url}/calls/test/sessions`, { call_type: "default" });
    expect(response.status).toBe(201);
    const body = await response.json();
    expect(body.call_id).toBe("test");
    expect(body.session_id).toEqual(expect.any(String));
    expect(body.session_started_at).toMatch(ISO_UTC);
    expect(node.host.sessions.get(body.session_id)).toBe("test");
    expect(node.launched.calls[0]).toEqual({
      callId: "test",
      sessionId: body.session_id,
      body: { call_type: "default" },
    });
  });

  it("test_start_session_no_permissions_fail: 403", async () => {
    await using node = await oneNode({ permissions: { canStartSession: () => false } });
    const response = await post(`${node.url}/calls/test/sessions`, { call_type: "default" });
    expect(response.status).toBe(403);
    expect(node.launched.calls).toEqual([]);
  });

  it("test_*_permission_receives_call_id: each hook gets the call id from the path", async () => {
    const seen: Record<string, string[]> = { start: [], close: [], view: [], metrics: [] };
    const hook =
      (name: string) =>
      ({ callId }: { callId: string }) => {
        seen[name]?.push(callId);
        return true;
      };
    await using node = await oneNode({
      permissions: {
        canStartSession: hook("start"),
        canCloseSession: hook("close"),
        canViewSession: hook("view"),
        canViewMetrics: hook("metrics"),
      },
    });
    const started = await (
      await post(`${node.url}/calls/my-call-123/sessions`, { call_type: "default" })
    ).json();
    expect((await fetch(`${node.url}/calls/my-call-123/sessions/${started.session_id}`)).status).toBe(200);
    expect((await fetch(`${node.url}/calls/my-call-123/sessions/${started.session_id}/metrics`)).status).toBe(
      200,
    );
    expect(
      (await fetch(`${node.url}/calls/my-call-123/sessions/${started.session_id}`, { method: "DELETE" }))
        .status,
    ).toBe(202);
    expect(seen).toEqual({
      start: ["my-call-123"],
      close: ["my-call-123"],
      view: ["my-call-123"],
      metrics: ["my-call-123"],
    });
  });

  it("test_close_session_success / _not_found / _no_permissions_fail: 202, 404, 403", async () => {
    await using node = await oneNode();
    const started = await (await post(`${node.url}/calls/test/sessions`, { call_type: "default" })).json();
    expect(
      (await fetch(`${node.url}/calls/test/sessions/${started.session_id}`, { method: "DELETE" })).status,
    ).toBe(202);
    await expect.poll(() => node.launched.closed.get(started.session_id)).toBe("close-requested");
    expect((await fetch(`${node.url}/calls/test/sessions/some-id`, { method: "DELETE" })).status).toBe(404);
    await using refusing = await oneNode({ permissions: { canCloseSession: () => false } });
    expect((await fetch(`${refusing.url}/calls/test/sessions/some-id`, { method: "DELETE" })).status).toBe(
      403,
    );
  });

  it("test_close_session_beacon_success / _not_found / _no_permissions_fail: POST …/close answers the same", async () => {
    await using node = await oneNode();
    const started = await (await post(`${node.url}/calls/test/sessions`, { call_type: "default" })).json();
    expect((await post(`${node.url}/calls/test/sessions/${started.session_id}/close`)).status).toBe(202);
    await expect.poll(() => node.launched.closed.get(started.session_id)).toBe("close-requested");
    expect((await post(`${node.url}/calls/test/sessions/some-id/close`)).status).toBe(404);
    await using refusing = await oneNode({ permissions: { canCloseSession: () => false } });
    expect((await post(`${refusing.url}/calls/test/sessions/some-id/close`)).status).toBe(403);
  });

  it("test_get_session_success / _no_permissions_fail / _doesnt_exist_404", async () => {
    await using node = await oneNode();
    const started = await (await post(`${node.url}/calls/test/sessions`, { call_type: "default" })).json();
    const response = await fetch(`${node.url}/calls/test/sessions/${started.session_id}`);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual({
      session_id: started.session_id,
      call_id: "test",
      node_id: "node-a",
      session_started_at: started.session_started_at,
    });
    expect((await fetch(`${node.url}/calls/test/sessions/123123`)).status).toBe(404);
    await using refusing = await oneNode({ permissions: { canViewSession: () => false } });
    const other = await (await post(`${refusing.url}/calls/test/sessions`, { call_type: "default" })).json();
    expect((await fetch(`${refusing.url}/calls/test/sessions/${other.session_id}`)).status).toBe(403);
  });

  it("test_get_session_metrics_success: the metrics the session reports, with both times", async () => {
    await using node = await oneNode();
    const started = await (await post(`${node.url}/calls/test/sessions`, { call_type: "default" })).json();
    const metrics = {
      llm_latency_ms__avg: 250,
      llm_time_to_first_token_ms__avg: 250,
      stt_latency_ms__avg: 250,
      tts_latency_ms__avg: 250,
      llm_input_tokens__total: 250,
      llm_output_tokens__total: 250,
    };
    node.launched.metrics.set(started.session_id, metrics);
    await node.host.runCycle();
    const response = await fetch(`${node.url}/calls/test/sessions/${started.session_id}/metrics`);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual({
      session_id: started.session_id,
      call_id: "test",
      node_id: "node-a",
      session_started_at: started.session_started_at,
      metrics_generated_at: expect.stringMatching(ISO_UTC),
      metrics,
    });
    expect((await fetch(`${node.url}/calls/test/sessions/123123/metrics`)).status).toBe(404);
    await using refusing = await oneNode({ permissions: { canViewMetrics: () => false } });
    const other = await (await post(`${refusing.url}/calls/test/sessions`, { call_type: "default" })).json();
    expect((await fetch(`${refusing.url}/calls/test/sessions/${other.session_id}/metrics`)).status).toBe(403);
  });

  it("test_start_session_max_*_exceeded: 429 with the original's `detail`, and our typed error beside it", async () => {
    let started = 0;
    await using node = await oneNode({
      launch: () => {
        if (started++ >= 1) {
          throw Object.assign(new Error("Reached maximum number of concurrent sessions"), {
            code: LIMIT_REACHED,
            details: { limit: "max_concurrent_sessions", max: 1, current: 1 },
          });
        }
        return { close: () => undefined };
      },
    });
    expect((await post(`${node.url}/calls/test-1/sessions`, { call_type: "default" })).status).toBe(201);
    const refused = await post(`${node.url}/calls/test-2/sessions`, { call_type: "default" });
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({
      detail: "Reached maximum number of concurrent sessions",
      error: {
        code: "ERR_LIMIT_REACHED",
        message: "Reached maximum number of concurrent sessions",
        details: { limit: "max_concurrent_sessions", max: 1, current: 1 },
      },
    });
  });

  it("a launch that fails otherwise: the original's 500 and `detail`, nothing hosted", async () => {
    await using node = await oneNode({
      launch: () => {
        throw new Error("the model is down, with a secret in the message");
      },
    });
    const response = await post(`${node.url}/calls/test/sessions`, { call_type: "default" });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      detail: "Failed to start agent",
      error: { code: "ERR_LAUNCH_FAILED", message: "Failed to start agent" },
    });
    expect(text).not.toContain("secret");
    expect(node.host.sessions.size).toBe(0);
  });
});
