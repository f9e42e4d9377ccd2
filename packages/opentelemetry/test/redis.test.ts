import { SpanKind } from "@opentelemetry/api";
import type { HistogramMetricData } from "@opentelemetry/sdk-metrics";
import { SessionHost, SessionRegistry, silentLogger } from "@sessionkv/core";
import { RedisSessionKVStore } from "@sessionkv/redis";
import { type StartedServer, requireContainers, startRedis } from "@sessionkv/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { METRICS } from "../src/index.js";
import { everyAttribute, recordingSdk } from "./sdk.js";

// On a real Redis server: spans name the server the store talks to, and a host's cycle over the
// network shows up as its store operations and its metrics.
const gate = await requireContainers();

describe.runIf(gate.run)("on Redis", () => {
  let server: StartedServer;
  beforeAll(async () => {
    server = await startRedis();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("spans carry db.system.name redis, the namespace and the server; metrics the host", async () => {
    const otel = recordingSdk();
    const store = new RedisSessionKVStore({ url: server.url as string, keyPrefix: "otel-test:" });
    const registry = new SessionRegistry({ store, nodeId: "node-r", ttlMs: 30_000, logger: silentLogger });
    // Push close off: its subscription runs a cycle of its own, which the counts below would see.
    const host = new SessionHost({
      registry,
      maintenanceIntervalMs: 5_000,
      pushClose: false,
      logger: silentLogger,
    });
    try {
      await host.start();
      for (const id of ["secret-1", "secret-2"])
        await host.add("secret-call", id, { close: () => undefined });
      // The first cycle after adds rewrites the node record (its session count changed); a
      // steady cycle is one refresh and one read.
      await host.runCycle();
      otel.reset();
      await host.runCycle();
      const spans = otel.spans().filter((s) => s.kind === SpanKind.CLIENT);
      expect(spans.map((s) => s.attributes["db.operation.name"])).toEqual(["expire", "mget"]);
      for (const span of spans) {
        expect(span.name).toBe(`${span.attributes["db.operation.name"]} otel-test:`);
        expect(span.attributes).toMatchObject({
          "db.system.name": "redis",
          "db.namespace": "otel-test:",
          "server.address": "127.0.0.1",
          "server.port": server.port,
        });
      }
      // The refresh: 2 records and the node record; the read: those records, their 2 close flags,
      // the node record and its drain flag.
      expect(spans[0]?.attributes["db.operation.batch.size"]).toBe(3);
      expect(spans[1]?.attributes["db.operation.batch.size"]).toBe(6);
      const metrics = await otel.metrics();
      const duration = metrics.get(METRICS.operationDuration) as HistogramMetricData;
      const expire = duration.dataPoints.find((p) => p.attributes["db.operation.name"] === "expire");
      // Metrics are cumulative: both cycles' refreshes.
      expect(expire?.value.count).toBe(2);
      expect(expire?.value.sum).toBeGreaterThan(0);
      expect(expire?.attributes["db.operation.batch.size"]).toBeUndefined();
      expect(metrics.get(METRICS.hostSessions)?.dataPoints.map((p) => p.value)).toEqual([2]);
      expect(everyAttribute(otel.spans(), metrics)).not.toContain("secret");
    } finally {
      await host.stop();
      await store.close();
      await otel.shutdown();
    }
  });
});
