import { afterEach, describe, expect, it } from "vitest";
import { SessionHost, SessionRegistry, closeRequestKey, sessionKey, silentLogger } from "../src/index.js";
import { ReferenceStore } from "./support/reference-store.js";

// Produced by the Python original's serialisation, `json.dumps(asdict(info))` (default separators
// ", " and ": ", ensure_ascii, allow_nan), with two fields a newer writer added. Byte for byte.
const PYTHON_RECORD =
  '{"session_id": "sess-7f3a", "call_id": "call-caf\\u00e9", "node_id": "py-node-1", "started_at": 1763716274.123456, ' +
  '"metrics_updated_at": 1763716279.5, "metrics": {"llm_latency_ms": 412.5, "turns": 3, "stt_errors": null, ' +
  '"nan_metric": NaN, "inf_metric": Infinity}, "region": "eu-west-1", "note": "NaN and Infinity in a string"}';
const CALL = "call-café";
const SESSION = "sess-7f3a";
const ORIGINAL_FIELDS = ["session_id", "call_id", "node_id", "started_at", "metrics_updated_at", "metrics"];

const encoder = new TextEncoder();
const stores: ReferenceStore[] = [];

async function setup(): Promise<{ store: ReferenceStore; registry: SessionRegistry }> {
  const store = new ReferenceStore();
  stores.push(store);
  const registry = new SessionRegistry({ store, nodeId: "ts-node", ttlMs: 60_000, logger: silentLogger });
  await registry.start();
  return { store, registry };
}

async function stored(store: ReferenceStore, key: string): Promise<Record<string, unknown>> {
  const value = await store.get(key);
  expect(value).not.toBeNull();
  return JSON.parse(new TextDecoder().decode(value!)) as Record<string, unknown>;
}

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

describe("registry wire format (shared with the Python original)", () => {
  it("uses the original's key scheme", () => {
    expect(sessionKey("c", "s")).toBe("sessions/c/s");
    expect(closeRequestKey("c", "s")).toBe("close_requests/c/s");
  });

  it("reads a record byte for byte as Python writes it: spacing, escapes, floats, extra metrics and fields, NaN", async () => {
    const { store, registry } = await setup();
    await store.set(sessionKey(CALL, SESSION), encoder.encode(PYTHON_RECORD), 60_000);
    const expected = {
      sessionId: SESSION,
      callId: CALL,
      nodeId: "py-node-1",
      startedAt: 1763716274.123456 * 1000,
      metricsUpdatedAt: 1763716279.5 * 1000,
      metrics: { llm_latency_ms: 412.5, turns: 3, stt_errors: null, nan_metric: null, inf_metric: null },
    };
    expect(await registry.get(CALL, SESSION)).toEqual(expected);
    expect(await registry.getForCall(CALL)).toEqual([expected]);
    expect(await registry.refresh(new Map([[SESSION, CALL]]))).toEqual([]);
  });

  it("accepts integer times and a record without metrics or metrics_updated_at, as the original's from_dict would", async () => {
    const { store, registry } = await setup();
    await store.set(
      "sessions/c/s",
      encoder.encode('{"session_id": "s", "call_id": "c", "node_id": "n", "started_at": 1763716274}'),
      60_000,
    );
    expect(await registry.get("c", "s")).toEqual({
      sessionId: "s",
      callId: "c",
      nodeId: "n",
      startedAt: 1763716274000,
      metricsUpdatedAt: 1763716274000,
      metrics: {},
    });
  });

  it("writes a record that a plain JSON reader parses into the original's fields plus ttl_ms, times in float seconds", async () => {
    const { store, registry } = await setup();
    const before = Date.now() / 1000;
    await registry.register("c1", "s1", { metrics: { a: 1, b: null, c: Number.NaN } });
    const after = Date.now() / 1000;
    const raw = await stored(store, "sessions/c1/s1");
    expect(Object.keys(raw)).toEqual([...ORIGINAL_FIELDS, "ttl_ms"]);
    expect(raw.ttl_ms).toBe(60_000);
    expect(raw).toMatchObject({
      session_id: "s1",
      call_id: "c1",
      node_id: "ts-node",
      metrics: { a: 1, b: null, c: null },
    });
    for (const field of ["started_at", "metrics_updated_at"]) {
      expect(typeof raw[field]).toBe("number");
      expect(raw[field]).toBeGreaterThanOrEqual(before - 0.001);
      expect(raw[field]).toBeLessThanOrEqual(after + 0.001);
    }
    const closeFlag = await store.get("close_requests/c1/s1");
    expect(closeFlag).toBeNull();
    const requested = Date.now() / 1000;
    await registry.requestClose("c1", "s1");
    // The flag names the registration it targets, and when it was asked for; the original only
    // tests that it exists.
    const flag = await stored(store, "close_requests/c1/s1");
    expect(flag).toEqual({
      node_id: "ts-node",
      started_at: raw.started_at,
      requested_at: expect.any(Number),
    });
    expect(flag.requested_at as number).toBeGreaterThanOrEqual(requested - 0.001);
    expect(flag.requested_at as number).toBeLessThanOrEqual(Date.now() / 1000 + 0.001);
  });

  it("keeps unknown fields and the exact start time through updateMetrics", async () => {
    const { store, registry } = await setup();
    await store.set(sessionKey(CALL, SESSION), encoder.encode(PYTHON_RECORD), 60_000);
    await registry.updateMetrics(CALL, SESSION, { turns: 4, llm_latency_ms: 380 });
    const raw = await stored(store, sessionKey(CALL, SESSION));
    expect(raw).toMatchObject({
      session_id: SESSION,
      call_id: CALL,
      node_id: "py-node-1",
      started_at: 1763716274.123456,
      metrics: { turns: 4, llm_latency_ms: 380 },
      region: "eu-west-1",
      note: "NaN and Infinity in a string",
    });
    expect(raw.metrics_updated_at as number).toBeGreaterThan(1763716279.5);
  });

  it("keeps unknown fields through the host's metrics push", async () => {
    const { store, registry } = await setup();
    const host = new SessionHost({ registry, maintenanceIntervalMs: 20_000, logger: silentLogger });
    await host.start();
    let turns = 1;
    await host.add(CALL, SESSION, { close() {}, metrics: () => ({ turns }) });
    // Another writer (a newer node) adds fields to the record while this host owns it.
    const current = await stored(store, sessionKey(CALL, SESSION));
    await store.set(
      sessionKey(CALL, SESSION),
      encoder.encode(JSON.stringify({ ...current, region: "eu-west-1" })),
      60_000,
    );
    turns = 2;
    await host.runCycle();
    const raw = await stored(store, sessionKey(CALL, SESSION));
    expect(raw).toMatchObject({ region: "eu-west-1", node_id: "ts-node", metrics: { turns: 2 } });
    expect(raw.started_at).toBe(current.started_at);
    await host.stop();
  });
});
