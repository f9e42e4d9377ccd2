import { readFileSync } from "node:fs";
import {
  type CloseReason,
  ErrorCode,
  SessionHost,
  SessionRegistry,
  closeRequestKey,
  isSessionKVError,
  sessionKey,
  silentLogger,
} from "@sessionkv/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { InMemorySessionKVStore } from "../src/index.js";

// One test per claim of the root README section "Sharing a store with Python nodes" that a store
// of any backend shows, on this one; the Redis-only ones (key prefix, glob) are in packages/redis/test.
const fixture = (name: string): Uint8Array =>
  readFileSync(new URL(`fixtures/python/${name}`, import.meta.url));
const PYTHON_METRICS = readFileSync(new URL("fixtures/python/metric-names.txt", import.meta.url), "utf8")
  .trim()
  .split("\n");
const PYTHON_TTL_MS = 30_000; // the original's default `ttl=30.0`, sent as PX 30000

const stores: InMemorySessionKVStore[] = [];
const hosts: SessionHost[] = [];

async function node(
  nodeId = "ts-node",
): Promise<{ store: InMemorySessionKVStore; registry: SessionRegistry }> {
  const store = new InMemorySessionKVStore();
  stores.push(store);
  const registry = new SessionRegistry({ store, nodeId, ttlMs: 60_000, logger: silentLogger });
  await registry.start();
  return { store, registry };
}

async function hostOn(registry: SessionRegistry): Promise<SessionHost> {
  // A long interval: the tests drive the cycles with runCycle().
  const host = new SessionHost({ registry, maintenanceIntervalMs: 20_000, logger: silentLogger });
  hosts.push(host);
  await host.start();
  return host;
}

async function wire(store: InMemorySessionKVStore, key: string): Promise<Record<string, unknown> | null> {
  const value = await store.get(key);
  return value === null ? null : (JSON.parse(new TextDecoder().decode(value)) as Record<string, unknown>);
}

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop()));
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

describe("sharing a store with Python nodes (README)", () => {
  describe("metrics", () => {
    it("are written under the TypeScript names and values as given: other names and fractional counters reach Python as they are", async () => {
      const { store, registry } = await node();
      await registry.register("c1", "s1", {
        metrics: { custom_score: 0.75, llm_input_tokens__total: 11.9, llm_latency_ms__avg: 412.5 },
      });
      const raw = await wire(store, sessionKey("c1", "s1"));
      // What AgentMetrics.from_dict then keeps: its own names only, int() of counters (11.9 → 11).
      expect(raw?.metrics).toEqual({
        custom_score: 0.75,
        llm_input_tokens__total: 11.9,
        llm_latency_ms__avg: 412.5,
      });
      expect(PYTHON_METRICS).not.toContain("custom_score");
      expect(PYTHON_METRICS).toHaveLength(25);
    });

    it("are replaced whole by a Python update_metrics: its 25 names, counters truncated", async () => {
      const { store, registry } = await node();
      await registry.register("c1", "s1", {
        metrics: { custom_score: 0.75, llm_input_tokens__total: 11.9, llm_latency_ms__avg: 412.5 },
      });
      await store.set(sessionKey("c1", "s1"), fixture("update-metrics.record"), PYTHON_TTL_MS, {
        onlyIfExists: true,
      });
      const seen = await registry.get("c1", "s1");
      expect(Object.keys(seen?.metrics ?? {})).toEqual(PYTHON_METRICS);
      expect(seen?.metrics).not.toHaveProperty("custom_score");
      expect(seen?.metrics.llm_input_tokens__total).toBe(11);
      expect(seen?.metrics.llm_latency_ms__avg).toBe(412.5);
    });

    it("lose precision above 2^53 when a Python counter is read in JavaScript", async () => {
      const { store, registry } = await node();
      await store.set(sessionKey("c1", "s1"), fixture("big-counter.record"), PYTHON_TTL_MS);
      expect(new TextDecoder().decode(fixture("big-counter.record"))).toContain("9007199254740993");
      const seen = await registry.get("c1", "s1");
      expect(seen?.metrics.realtime_audio_input_bytes__total).toBe(2 ** 53);
    });
  });

  describe("ids", () => {
    it("with a '/' or empty, which Python accepts, are refused here and their records skipped when listing", async () => {
      const { store, registry } = await node();
      await store.set("sessions/c/a/b", fixture("register-slash.record"), PYTHON_TTL_MS);
      await store.set("sessions/c/", fixture("register-empty.record"), PYTHON_TTL_MS);
      await store.set("sessions/c/ok", fixture("register.record"), PYTHON_TTL_MS);
      expect((await registry.getForCall("c")).map((s) => s.sessionId)).toEqual(["ok"]);
      for (const sessionId of ["a/b", ""]) {
        const failure = await registry.register("c", sessionId).catch((error: unknown) => error);
        expect(isSessionKVError(failure, ErrorCode.INVALID_ARGUMENT), String(failure)).toBe(true);
      }
    });
  });

  describe("remove and close", () => {
    it("a Python remove() of a session a TypeScript host runs is undone on the host's next cycle", async () => {
      const { store, registry } = await node();
      const host = await hostOn(registry);
      await host.add("c1", "s1", { close() {} });
      // The original's remove(): one delete of both keys.
      await store.delete([sessionKey("c1", "s1"), closeRequestKey("c1", "s1")]);
      expect(await store.get(sessionKey("c1", "s1"))).toBeNull();
      await host.runCycle();
      expect(await wire(store, sessionKey("c1", "s1"))).toMatchObject({
        session_id: "s1",
        node_id: "ts-node",
      });
    });

    it("a Python request_close() ends a TypeScript-hosted session and removes its record", async () => {
      const { store, registry } = await node();
      const host = await hostOn(registry);
      const reasons: CloseReason[] = [];
      await host.add("c1", "s1", { close: (reason) => void reasons.push(reason) });
      // The original's request_close(): an empty value under the close key, with its TTL.
      await store.set(closeRequestKey("c1", "s1"), new Uint8Array(0), PYTHON_TTL_MS);
      await host.runCycle();
      await vi.waitFor(async () => {
        expect(reasons).toEqual(["close-requested"]);
        expect(await store.get(sessionKey("c1", "s1"))).toBeNull();
        expect(await store.get(closeRequestKey("c1", "s1"))).toBeNull();
      }, 10_000);
    });
  });

  describe("metrics_updated_at", () => {
    it("is the time of the last change of a TypeScript host's metrics, not of its last cycle", async () => {
      const { store, registry } = await node();
      const host = await hostOn(registry);
      let turns = 1;
      await host.add("c1", "s1", { close() {}, metrics: () => ({ turns }) });
      await host.runCycle();
      const first = (await wire(store, sessionKey("c1", "s1")))?.metrics_updated_at as number;
      await new Promise((resolve) => setTimeout(resolve, 20));
      await host.runCycle();
      expect((await wire(store, sessionKey("c1", "s1")))?.metrics_updated_at).toBe(first);
      turns = 2;
      await host.runCycle();
      const changed = await wire(store, sessionKey("c1", "s1"));
      expect(changed?.metrics).toEqual({ turns: 2 });
      expect(changed?.metrics_updated_at as number).toBeGreaterThan(first);
    });
  });

  describe("what TypeScript adds (ttl_ms, flag content)", () => {
    it("Python's view keeps its six fields; a record Python rewrote without ttl_ms still takes a close request", async () => {
      const { store, registry } = await node();
      await registry.register("c1", "s1");
      const written = await wire(store, sessionKey("c1", "s1"));
      // from_dict keeps the fields SessionInfo declares and drops the rest (ttl_ms among them).
      expect(Object.keys(written ?? {})).toEqual(
        expect.arrayContaining(Object.keys(JSON.parse(new TextDecoder().decode(fixture("register.record"))))),
      );
      expect(written).toHaveProperty("ttl_ms", 60_000);

      // A Python update_metrics: from_dict, then to_dict, so ttl_ms is gone.
      await store.set(sessionKey("c1", "s1"), fixture("update-metrics.record"), PYTHON_TTL_MS, {
        onlyIfExists: true,
      });
      expect(await wire(store, sessionKey("c1", "s1"))).not.toHaveProperty("ttl_ms");
      expect(await registry.requestClose("c1", "s1")).toBe(true);
      // The original's get_close_requests asks only whether the flag is there.
      expect(await store.get(closeRequestKey("c1", "s1"))).not.toBeNull();
    });

    it("a deadline is one more field Python drops; a record without it reads as a session without one", async () => {
      const { store, registry } = await node();
      const deadline = Date.now() + 60_000;
      await registry.register("c1", "s2", { deadline });
      const written = await wire(store, sessionKey("c1", "s2"));
      expect(written?.deadline).toBeCloseTo(deadline / 1000, 6);
      const python = Object.keys(JSON.parse(new TextDecoder().decode(fixture("register.record"))));
      expect(python).not.toContain("deadline");
      expect(Object.keys(written ?? {})).toEqual(expect.arrayContaining(python));
      expect((await registry.get("c1", "s2"))?.deadline).toBeCloseTo(deadline, 3);
      // Python's register: the record it writes has no deadline, and reads back without one.
      await store.set(sessionKey("c", "ok"), fixture("register.record"), PYTHON_TTL_MS);
      const fromPython = await registry.get("c", "ok");
      expect(fromPython?.nodeId).toBe("py-node");
      expect(fromPython).not.toHaveProperty("deadline");
    });
  });
});
