import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { SessionHost, SessionRegistry, silentLogger } from "@sessionkv/core";
import { waitFor } from "@sessionkv/core/testing";
import { InMemorySessionKVStore } from "@sessionkv/memory";
import { beforeAll, describe, expect, it } from "vitest";
import { SessionKVInstrumentation } from "../src/index.js";

// One scrape of the Prometheus exporter over HTTP, after a run that makes every metric the package
// has: what a Prometheus server would see. The dashboard is checked against that scrape.
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let scraped = "";

beforeAll(async () => {
  const port = await freePort();
  const exporter = new PrometheusExporter({ host: "127.0.0.1", port, preventServerStart: true });
  await exporter.startServer();
  const meterProvider = new MeterProvider({ readers: [exporter] });
  const instrumentation = new SessionKVInstrumentation();
  instrumentation.setMeterProvider(meterProvider);
  const store = new InMemorySessionKVStore();
  const registry = new SessionRegistry({ store, nodeId: "node-a", ttlMs: 60_000, logger: silentLogger });
  // Push close off: its subscription runs a cycle of its own, which the counts below would see.
  const host = new SessionHost({
    registry,
    maintenanceIntervalMs: 20_000,
    pushClose: false,
    logger: silentLogger,
  });
  try {
    await host.start();
    for (const id of ["s1", "s2", "s3"]) await host.add("call", id, { close: () => undefined });
    await store.delete(["sessions/call/s2"]);
    await registry.requestClose("call", "s3");
    await host.runCycle();
    await waitFor(() => host.sessions.size === 2, 5_000, "the requested close");
    await host.requestClose("call", "s1");
    await store.close();
    await host.runCycle();
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.status).toBe(200);
    scraped = await response.text();
  } finally {
    await host.stop();
    instrumentation.disable();
    await meterProvider.shutdown();
  }
});

/** The series names of a Prometheus text exposition. */
function seriesNames(text: string): Set<string> {
  return new Set(
    text
      .split("\n")
      .filter((line) => line.length > 0 && !line.startsWith("#"))
      .map((line) => line.split(/[{ ]/, 1)[0] as string),
  );
}

describe("Prometheus exposition", () => {
  it("has every metric, with its node, and no call or session id", () => {
    const names = seriesNames(scraped);
    for (const name of [
      "db_client_operation_duration_bucket",
      "sessionkv_host_sessions",
      "sessionkv_host_cycle_duration_bucket",
      "sessionkv_host_cycle_failed_total",
      "sessionkv_host_session_healed_total",
      "sessionkv_close_requests_total",
      "sessionkv_close_duration_bucket",
    ])
      expect(names, name).toContain(name);
    expect(scraped).toMatch(/sessionkv_host_sessions\{[^}]*sessionkv_node_id="node-a"[^}]*\} 1/);
    expect(scraped).toMatch(/db_client_operation_duration_count\{[^}]*db_operation_name="mget"/);
    expect(scraped).not.toMatch(/"s1"|"s2"|"s3"|"call"/);
  });
});

describe("the Grafana dashboard", () => {
  const dashboard = JSON.parse(
    readFileSync(new URL("../dashboards/sessionkv.json", import.meta.url), "utf8"),
  ) as {
    panels: { title: string; targets?: { expr: string }[] }[];
    templating: { list: { query: string }[] };
  };

  it("queries only metrics the package emits", () => {
    const emitted = seriesNames(scraped);
    const queried = new Set<string>();
    const queries = [
      ...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr)),
      ...dashboard.templating.list.map((variable) => variable.query),
    ];
    for (const query of queries) {
      // Label names are not metrics: drop the matchers, the grouping clauses and label_values' label.
      const expr = query
        .replace(/\{[^}]*\}/g, "")
        .replace(/\bby \([^)]*\)/g, "")
        .replace(/label_values\(([^,]+),[^)]*\)/g, "$1");
      for (const name of expr.match(/\b(?:sessionkv|db_client)_[a-z_]+\b/g) ?? []) queried.add(name);
    }
    expect(queried.size).toBeGreaterThan(0);
    for (const name of queried) expect(emitted, `the dashboard queries ${name}`).toContain(name);
  });

  it("has the panels a fleet needs", () => {
    expect(dashboard.panels.map((p) => p.title)).toEqual(
      expect.arrayContaining([
        "Sessions per node",
        "Maintenance cycle duration",
        "Store latency by operation and backend",
        "Close latency",
        "Failed cycles",
      ]),
    );
  });
});
