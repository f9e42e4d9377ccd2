import { afterEach, describe, expect, it } from "vitest";
import { SessionHost, type SessionMetrics, SessionRegistry, silentLogger } from "../src/index.js";
import { aroundStore, interceptStore } from "../src/testing/index.js";
import { ReferenceStore } from "./support/reference-store.js";

// The heartbeat's CPU savings (records decoded once, metrics compared without JSON) must never
// hide a change: what another writer stored, or what a session mutated in place, is still seen.
const opened: ReferenceStore[] = [];
const hosts: SessionHost[] = [];

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop()));
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

async function registryOn(store = new ReferenceStore()): Promise<SessionRegistry> {
  opened.push(store);
  const registry = new SessionRegistry({ store, ttlMs: 60_000, logger: silentLogger });
  await registry.start();
  return registry;
}

describe("heartbeat reads", () => {
  it("decode an unchanged record once, and see a record another writer changed", async () => {
    const registry = await registryOn();
    await registry.register("c", "s", { metrics: { a: 1 } });
    const sessions = new Map([["s", "c"]]);
    const first = (await registry.poll(sessions)).records.get("s");
    const second = (await registry.poll(sessions)).records.get("s");
    expect(second).toBe(first);
    expect(Object.isFrozen(second?.info)).toBe(true);
    await registry.updateMetrics("c", "s", { a: 2 });
    expect((await registry.poll(sessions)).records.get("s")?.info.metrics).toEqual({ a: 2 });
    expect(await registry.refresh(sessions)).toEqual([]);
    await registry.remove("c", "s");
    expect((await registry.poll(sessions)).records.get("s")).toBeNull();
    expect(await registry.refresh(sessions)).toEqual(["s"]);
  });

  it("never hand one call's cached record to a session of the same id in another call", async () => {
    const registry = await registryOn();
    await registry.register("c1", "s", { metrics: { a: 1 } });
    await registry.register("c2", "s", { metrics: { a: 2 } });
    expect((await registry.poll(new Map([["s", "c1"]]))).records.get("s")?.info.callId).toBe("c1");
    expect((await registry.poll(new Map([["s", "c2"]]))).records.get("s")?.info.callId).toBe("c2");
  });
});

describe("heartbeat keys kept from one read to the next", () => {
  it("follow a map of the same size whose ids, calls or order changed", async () => {
    const registry = await registryOn();
    await registry.register("c1", "s1", { metrics: { a: 1 } });
    await registry.register("c2", "s2", { metrics: { a: 2 } });
    await registry.register("c3", "s2", { metrics: { a: 3 } });
    const callOf = async (sessions: Map<string, string>) =>
      [...(await registry.poll(sessions)).records].map(([id, r]) => [id, r?.info.callId ?? null]);
    expect(
      await callOf(
        new Map([
          ["s1", "c1"],
          ["s2", "c2"],
        ]),
      ),
    ).toEqual([
      ["s1", "c1"],
      ["s2", "c2"],
    ]);
    expect(
      await callOf(
        new Map([
          ["s1", "c1"],
          ["s2", "c3"],
        ]),
      ),
    ).toEqual([
      ["s1", "c1"],
      ["s2", "c3"],
    ]);
    expect(
      await callOf(
        new Map([
          ["s2", "c3"],
          ["s1", "c1"],
        ]),
      ),
    ).toEqual([
      ["s2", "c3"],
      ["s1", "c1"],
    ]);
    expect(
      await callOf(
        new Map([
          ["s2", "c3"],
          ["s3", "c1"],
        ]),
      ),
    ).toEqual([
      ["s2", "c3"],
      ["s3", null],
    ]);
    await registry.requestClose("c3", "s2");
    const sessions = new Map([
      ["s1", "c1"],
      ["s2", "c2"],
    ]);
    expect((await registry.poll(sessions)).closeRequested).toEqual([]);
    expect(
      await registry.getCloseRequests(
        new Map([
          ["s1", "c1"],
          ["s2", "c3"],
        ]),
      ),
    ).toEqual(["s2"]);
    expect(
      await registry.refresh(
        new Map([
          ["s1", "c1"],
          ["s4", "c3"],
        ]),
      ),
    ).toEqual(["s4"]);
  });

  it("still validate a map that differs from the last one, the same map mutated included", async () => {
    const registry = await registryOn();
    const sessions = new Map([
      ["s1", "c1"],
      ["s2", "c1"],
    ]);
    expect(await registry.refresh(sessions)).toEqual(["s1", "s2"]);
    await expect(
      registry.poll(
        new Map([
          ["s1", "c1"],
          ["s/2", "c1"],
        ]),
      ),
    ).rejects.toMatchObject({
      code: "ERR_INVALID_ARGUMENT",
    });
    sessions.set("s2", "c/1");
    await expect(registry.refresh(sessions)).rejects.toMatchObject({ code: "ERR_INVALID_ARGUMENT" });
    sessions.delete("s2");
    sessions.set("\uD800", "c1");
    await expect(registry.poll(sessions)).rejects.toMatchObject({ code: "ERR_INVALID_ARGUMENT" });
  });

  it("are prepared by the store once per set of sessions, and every heartbeat passes the prepared sets", async () => {
    const prepared: (readonly string[])[] = [];
    const passed: string[] = [];
    const inner = new (class extends ReferenceStore {
      override prepare(keys: readonly string[]) {
        prepared.push(keys);
        return super.prepare(keys);
      }
    })();
    const store = aroundStore(inner, (operation, args, call) => {
      if (operation === "mget" || operation === "expire")
        passed.push(`${operation}:${Array.isArray(args[0]) ? "array" : "prepared"}`);
      return call();
    });
    opened.push(inner);
    const registry = new SessionRegistry({ store, ttlMs: 60_000, logger: silentLogger });
    await registry.start();
    await registry.register("c", "s1");
    await registry.register("c", "s2");
    const sessions = new Map([
      ["s1", "c"],
      ["s2", "c"],
    ]);
    for (let beat = 0; beat < 3; beat++) {
      expect((await registry.poll(sessions)).closeRequested).toEqual([]);
      expect(await registry.refresh(sessions)).toEqual([]);
    }
    expect(prepared).toEqual([
      ["sessions/c/s1", "sessions/c/s2"],
      ["sessions/c/s1", "sessions/c/s2", "close_requests/c/s1", "close_requests/c/s2"],
    ]);
    expect(new Set(passed)).toEqual(new Set(["expire:prepared", "mget:prepared"]));
    // Another set of sessions is planned, and prepared, afresh.
    sessions.delete("s2");
    await registry.poll(sessions);
    expect(prepared.slice(2)).toEqual([["sessions/c/s1"], ["sessions/c/s1", "close_requests/c/s1"]]);
  });

  it("a host heartbeats the sessions added and only those still hosted", async () => {
    const inner = new ReferenceStore();
    const expired: string[][] = [];
    const store = interceptStore(inner, (operation, keys) => {
      if (operation === "expire") expired.push([...keys]);
    });
    const registry = new SessionRegistry({ store, ttlMs: 60_000, logger: silentLogger });
    opened.push(inner);
    const host = new SessionHost({ registry, maintenanceIntervalMs: 20_000, logger: silentLogger });
    hosts.push(host);
    await host.start();
    await host.add("c", "s1", { close() {} });
    await host.runCycle();
    await host.add("c", "s2", { close() {} });
    await host.runCycle();
    await host.remove("c", "s1");
    await host.runCycle();
    await host.runCycle();
    const node = `nodes/live/${registry.nodeId}`;
    expect(expired).toEqual([
      ["sessions/c/s1", node],
      ["sessions/c/s1", "sessions/c/s2", node],
      ["sessions/c/s2", node],
      ["sessions/c/s2", node],
    ]);
  });
});

describe("SessionHost metrics comparison", () => {
  it("writes metrics mutated in place, and nothing while they stay the same (NaN included)", async () => {
    const inner = new ReferenceStore();
    let msets = 0;
    // Session record writes: the node record is rewritten beside them when the session count changes.
    const store = interceptStore(inner, (operation, keys) => {
      if (operation === "mset" && keys.some((key) => key.startsWith("sessions/"))) msets++;
    });
    const registry = await registryOn(inner);
    const counted = new SessionRegistry({ store, ttlMs: 60_000, logger: silentLogger });
    await counted.start();
    const host = new SessionHost({ registry: counted, maintenanceIntervalMs: 20_000, logger: silentLogger });
    hosts.push(host);
    await host.start();
    const mutable: Record<string, number | null> = { a: 1, b: Number.NaN };
    let metrics: SessionMetrics = mutable;
    await host.add("c", "s", { close() {}, metrics: () => metrics });
    await host.runCycle();
    await host.runCycle();
    expect(msets).toBe(0);
    mutable.a = 2;
    await host.runCycle();
    expect(msets).toBe(1);
    expect((await registry.get("c", "s"))?.metrics).toEqual({ a: 2, b: null });
    metrics = { a: 2 };
    await host.runCycle();
    expect(msets).toBe(2);
    expect((await registry.get("c", "s"))?.metrics).toEqual({ a: 2 });
    await host.runCycle();
    expect(msets).toBe(2);
  });

  it("still rejects invalid metrics (logged, nothing written), also where the last ones were empty", async () => {
    const inner = new ReferenceStore();
    let msets = 0;
    // Session record writes: the node record is rewritten beside them when the session count changes.
    const store = interceptStore(inner, (operation, keys) => {
      if (operation === "mset" && keys.some((key) => key.startsWith("sessions/"))) msets++;
    });
    const warnings: string[] = [];
    const logger = { warn: (message: string) => warnings.push(message), error: () => undefined };
    const registry = new SessionRegistry({ store, ttlMs: 60_000, logger });
    opened.push(inner);
    const host = new SessionHost({ registry, maintenanceIntervalMs: 20_000, logger });
    hosts.push(host);
    await host.start();
    let metrics: unknown = {};
    await host.add("c", "s", { close() {}, metrics: () => metrics as SessionMetrics });
    for (const invalid of [null, [], 5, { a: "x" }]) {
      metrics = invalid;
      warnings.length = 0;
      await host.runCycle();
      expect(warnings).toEqual([expect.stringMatching(/metrics\(\) of session "s" failed/)]);
    }
    expect(msets).toBe(0);
  });
});
