import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { DataPointType, type HistogramMetricData } from "@opentelemetry/sdk-metrics";
import { SessionHost, SessionRegistry, silentLogger } from "@sessionkv/core";
import { waitFor } from "@sessionkv/core/testing";
import { InMemorySessionKVStore } from "@sessionkv/memory";
import { afterEach, describe, expect, it } from "vitest";
import { METRICS, SessionKVInstrumentation } from "../src/index.js";
import { everyAttribute, recordingSdk } from "./sdk.js";

// The instrumentation against the real SDK, on the in-process store: spans per store operation,
// the host's metrics, enable/disable, and no call or session id anywhere.
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function sdk(config?: Parameters<typeof recordingSdk>[0]) {
  const made = recordingSdk(config);
  cleanups.push(() => made.shutdown());
  return made;
}

async function memoryStore(): Promise<InMemorySessionKVStore> {
  const store = new InMemorySessionKVStore();
  await store.start();
  cleanups.push(() => store.close());
  return store;
}

describe("store operation spans", () => {
  it("follow the database client conventions", async () => {
    const otel = sdk();
    const store = await memoryStore();
    await store.mset([
      { key: "secret-a", value: new Uint8Array([1]), ttlMs: 60_000 },
      { key: "secret-b", value: new Uint8Array([2]), ttlMs: 60_000 },
    ]);
    await store.get("secret-a");
    const [mset, get] = otel.spans();
    expect(mset?.name).toBe("mset");
    expect(mset?.kind).toBe(SpanKind.CLIENT);
    expect(mset?.attributes).toEqual({
      "db.system.name": "sessionkv.memory",
      "db.operation.name": "mset",
      "db.operation.batch.size": 2,
    });
    expect(get?.attributes).toEqual({ "db.system.name": "sessionkv.memory", "db.operation.name": "get" });
    expect(get?.status.code).toBe(SpanStatusCode.UNSET);
    expect(everyAttribute(otel.spans(), await otel.metrics())).not.toContain("secret");
  });

  it("mark a failed operation with its error code", async () => {
    const otel = sdk();
    const store = await memoryStore();
    // A backend whose reads fail: the base class shapes the error, the span carries its code.
    const broken = new (class extends InMemorySessionKVStore {
      protected override async doGet(): Promise<Uint8Array | null> {
        throw new Error("disk on fire");
      }
    })();
    await broken.start();
    cleanups.push(() => broken.close());
    await expect(broken.get("k")).rejects.toMatchObject({ code: "ERR_STORE_UNAVAILABLE" });
    await store.get("k");
    const [failed, ok] = otel.spans();
    expect(failed?.status).toEqual({ code: SpanStatusCode.ERROR, message: "ERR_STORE_UNAVAILABLE" });
    expect(failed?.attributes["error.type"]).toBe("ERR_STORE_UNAVAILABLE");
    expect(ok?.attributes["error.type"]).toBeUndefined();
    const duration = (await otel.metrics()).get(METRICS.operationDuration) as HistogramMetricData;
    expect(duration.descriptor.unit).toBe("s");
    expect(duration.dataPointType).toBe(DataPointType.HISTOGRAM);
    const byError = duration.dataPoints
      .filter((p) => p.attributes["db.operation.name"] === "get")
      .map((p) => [p.attributes["error.type"] ?? "none", p.value.count])
      .sort();
    expect(byError).toEqual([
      ["ERR_STORE_UNAVAILABLE", 1],
      ["none", 1],
    ]);
  });

  it("stop on disable() and start again on enable(); registerInstrumentations enables", async () => {
    const otel = sdk({ enabled: false });
    const store = await memoryStore();
    await store.get("k");
    expect(otel.spans()).toHaveLength(0);
    const unregister = registerInstrumentations({
      instrumentations: [otel.instrumentation],
      tracerProvider: otel.tracerProvider,
      meterProvider: otel.meterProvider,
    });
    await store.get("k");
    expect(otel.spans()).toHaveLength(1);
    otel.instrumentation.disable();
    await store.get("k");
    expect(otel.spans()).toHaveLength(1);
    otel.instrumentation.enable();
    otel.instrumentation.enable();
    await store.get("k");
    expect(otel.spans()).toHaveLength(2);
    unregister();
    await store.get("k");
    expect(otel.spans()).toHaveLength(2);
    expect(new SessionKVInstrumentation({ enabled: false }).instrumentationName).toBe(
      "@sessionkv/opentelemetry",
    );
  });
});

describe("host metrics", () => {
  it("count sessions, heals, failed cycles and close latency, per node, without ids", async () => {
    const otel = sdk();
    const store = await memoryStore();
    const registry = new SessionRegistry({ store, nodeId: "node-a", ttlMs: 60_000, logger: silentLogger });
    // Push close off: its subscription runs a cycle of its own, which the counts below would see.
    const host = new SessionHost({
      registry,
      maintenanceIntervalMs: 20_000,
      pushClose: false,
      logger: silentLogger,
    });
    const asker = new SessionRegistry({ store, nodeId: "node-b", ttlMs: 60_000, logger: silentLogger });
    await Promise.all([host.start(), asker.start()]);
    cleanups.push(() => host.stop());
    for (const id of ["secret-s1", "secret-s2", "secret-s3"])
      await host.add("secret-call", id, { close: () => undefined });
    await store.delete(["sessions/secret-call/secret-s2"]);
    await asker.requestClose("secret-call", "secret-s3");
    await host.runCycle();
    await waitFor(() => host.sessions.size === 2, 5_000, "the requested close");
    await host.requestClose("secret-call", "secret-s1");
    await host.runCycle();

    const metrics = await otel.metrics();
    const node = { "sessionkv.node.id": "node-a" };
    const points = (name: string) => metrics.get(name)?.dataPoints ?? [];
    expect(points(METRICS.hostSessions).map((p) => [p.attributes, p.value])).toEqual([[node, 1]]);
    expect(points(METRICS.sessionsHealed).map((p) => [p.attributes, p.value])).toEqual([[node, 1]]);
    const cycles = points(METRICS.cycleDuration) as HistogramMetricData["dataPoints"];
    expect(cycles.map((p) => [p.attributes, p.value.count])).toEqual([[node, 2]]);
    const closes = points(METRICS.closeDuration) as HistogramMetricData["dataPoints"];
    expect(closes.map((p) => [p.attributes, p.value.count])).toEqual([
      [{ ...node, "sessionkv.close.local": false }, 1],
      [{ ...node, "sessionkv.close.local": true }, 1],
    ]);
    for (const p of closes) expect(p.value.max).toBeLessThan(10);
    expect(points(METRICS.closeRequests).map((p) => [p.attributes, p.value])).toEqual([
      [{ "sessionkv.node.id": "node-b", "sessionkv.close.local": false }, 1],
      [{ ...node, "sessionkv.close.local": true }, 1],
    ]);
    expect(points(METRICS.cyclesFailed)).toEqual([]);

    await store.close();
    await host.runCycle();
    const failed = (await otel.metrics()).get(METRICS.cyclesFailed)?.dataPoints ?? [];
    expect(failed.map((p) => [p.attributes, p.value])).toEqual([
      [{ ...node, "error.type": "ERR_STORE_CLOSED" }, 1],
    ]);
    const cycleSpans = otel.spans().filter((s) => s.name === "sessionkv.host.cycle");
    expect(cycleSpans.at(-1)?.status.code).toBe(SpanStatusCode.ERROR);
    expect(cycleSpans[0]?.attributes).toMatchObject({
      "sessionkv.host.sessions": 3,
      "sessionkv.host.refreshed": 2,
      "sessionkv.host.healed": 1,
      "sessionkv.host.closed": 1,
    });
    expect(everyAttribute(otel.spans(), await otel.metrics())).not.toContain("secret");
  });

  it("leave the node id out when asked", async () => {
    const otel = sdk({ nodeIdAttribute: false });
    const store = await memoryStore();
    const registry = new SessionRegistry({ store, nodeId: "node-a", logger: silentLogger });
    const host = new SessionHost({ registry, logger: silentLogger });
    await host.start();
    cleanups.push(() => host.stop());
    await host.add("c", "s", { close: () => undefined });
    await host.runCycle();
    expect(everyAttribute(otel.spans(), await otel.metrics())).not.toContain("node-a");
  });
});
