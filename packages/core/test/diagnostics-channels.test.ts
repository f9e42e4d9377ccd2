import { channel, tracingChannel } from "node:diagnostics_channel";
import { afterEach, describe, expect, it } from "vitest";
import {
  type CloseHonouredMessage,
  type CloseRequestedMessage,
  DIAGNOSTICS_CHANNELS,
  ErrorCode,
  type HostCycleContext,
  type StoreOperationContext,
} from "../src/index.js";
import { waitFor } from "../src/testing/index.js";
import { ReferenceStore } from "./support/reference-store.js";
import { sessionFixtures } from "./support/session-fixtures.js";

// The channels are a public API (README, "Diagnostics channels"): their names, their context
// fields and when each fires. Subscribed by name, as a separate package would.
const { store: openStore, registry, host } = sessionFixtures();
const unsubscribers: (() => void)[] = [];
afterEach(() => {
  for (const unsubscribe of unsubscribers.splice(0)) unsubscribe();
});

type Event = "start" | "end" | "asyncStart" | "asyncEnd" | "error";

function recordTracing<C extends object>(name: string): { event: Event; context: C; copy: C }[] {
  const seen: { event: Event; context: C; copy: C }[] = [];
  const traced = tracingChannel<C, C>(name);
  const handlers = Object.fromEntries(
    (["start", "end", "asyncStart", "asyncEnd", "error"] as const).map((event) => [
      event,
      (context: C) => void seen.push({ event, context, copy: { ...context } }),
    ]),
  ) as unknown as Record<Event, (context: C) => void>;
  traced.subscribe(handlers);
  unsubscribers.push(() => traced.unsubscribe(handlers));
  return seen;
}

function recordChannel<M>(name: string): M[] {
  const seen: M[] = [];
  const handler = (message: unknown) => void seen.push(message as M);
  channel(name).subscribe(handler);
  unsubscribers.push(() => channel(name).unsubscribe(handler));
  return seen;
}

const secretValue = new TextEncoder().encode("do-not-leak-value");

describe("sessionkv:store:operation", () => {
  it("traces every operation with its name, backend and batch size, and never a key or value", async () => {
    const seen = recordTracing<StoreOperationContext>(DIAGNOSTICS_CHANNELS.storeOperation);
    const store = openStore();
    await store.start();
    await store.set("secret-key", secretValue, 60_000);
    await store.mset([
      { key: "k1", value: secretValue, ttlMs: 60_000 },
      { key: "k2", value: secretValue, ttlMs: 60_000 },
      { key: "k1", value: secretValue, ttlMs: 60_000 },
    ]);
    expect(await store.get("secret-key")).toEqual(secretValue);
    await store.mget(["k1", "k2", "k1"]);
    await store.expire(["k1", "k2"], 60_000);
    await store.keys("k");
    await store.delete(["k1"]);
    const ends = seen.filter((e) => e.event === "asyncEnd").map((e) => e.copy);
    expect(ends.map((c) => [c.operation, c.batchSize])).toEqual([
      ["start", undefined],
      ["set", undefined],
      ["mset", 2],
      ["get", undefined],
      ["mget", 2],
      ["expire", 2],
      ["keys", undefined],
      ["delete", 1],
    ]);
    for (const context of ends) {
      // The reference store says nothing about itself: a third-party store's default.
      expect(context.backend).toBe("custom");
      expect(context.errorCode).toBeUndefined();
      const text = JSON.stringify(context, (_k, v) => (v instanceof Uint8Array ? [...v] : v));
      expect(text).not.toMatch(/secret-key|k1|k2/);
      expect(text).not.toContain(JSON.stringify([...secretValue]).slice(1, -1));
    }
    // The same context object goes through start, end, asyncStart and asyncEnd of one call.
    const get = seen.filter((e) => e.context.operation === "get");
    expect(get.map((e) => e.event)).toEqual(["start", "end", "asyncStart", "asyncEnd"]);
    expect(new Set(get.map((e) => e.context)).size).toBe(1);
  });

  it("reports a failure's error code on the error event", async () => {
    const seen = recordTracing<StoreOperationContext>(DIAGNOSTICS_CHANNELS.storeOperation);
    class FailingStore extends ReferenceStore {
      protected override async doGet(): Promise<Uint8Array | null> {
        throw new Error("connection reset");
      }
      protected override diagnosticsTarget() {
        return { backend: "failing", namespace: "ns:", serverAddress: "127.0.0.1", serverPort: 1 };
      }
    }
    const store = new FailingStore();
    await store.start();
    await expect(store.get("k")).rejects.toMatchObject({ code: ErrorCode.STORE_UNAVAILABLE });
    await store.close();
    const error = seen.find((e) => e.event === "error");
    expect(error?.copy).toMatchObject({
      operation: "get",
      backend: "failing",
      namespace: "ns:",
      serverAddress: "127.0.0.1",
      serverPort: 1,
      errorCode: ErrorCode.STORE_UNAVAILABLE,
    });
  });

  it("publishes nothing for input rejected before the backend is reached", async () => {
    const seen = recordTracing<StoreOperationContext>(DIAGNOSTICS_CHANNELS.storeOperation);
    const store = openStore();
    await store.start();
    await expect(store.get("")).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    expect(seen.filter((e) => e.context.operation === "get")).toEqual([]);
  });
});

describe("sessionkv:host:cycle and the close channels", () => {
  it("counts sessions, refreshes, heals and closes of each cycle, with no call or session id", async () => {
    const cycles = recordTracing<HostCycleContext>(DIAGNOSTICS_CHANNELS.hostCycle);
    const requested = recordChannel<CloseRequestedMessage>(DIAGNOSTICS_CHANNELS.closeRequested);
    const honoured = recordChannel<CloseHonouredMessage>(DIAGNOSTICS_CHANNELS.closeHonoured);
    const store = openStore();
    const owner = host({
      registry: registry({ store, nodeId: "node-a", ttlMs: 60_000 }),
      maintenanceIntervalMs: 20_000,
    });
    const asker = registry({ store, nodeId: "node-b", ttlMs: 60_000 });
    await Promise.all([owner.start(), asker.start()]);
    for (const id of ["secret-session-1", "secret-session-2", "secret-session-3"])
      await owner.add("secret-call", id, { close: () => undefined });
    await store.delete(["sessions/secret-call/secret-session-2"]);
    await asker.requestClose("secret-call", "secret-session-3");
    await owner.runCycle();
    await waitFor(() => honoured.length === 1, 5_000, "the remote close honoured");
    await owner.requestClose("secret-call", "secret-session-1");

    const ends = cycles.filter((e) => e.event === "asyncEnd").map((e) => e.copy);
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({
      nodeId: "node-a",
      sessions: 3,
      refreshed: 2,
      healed: 1,
      closed: 1,
      failed: false,
    });
    expect(ends[0]?.durationMs).toBeGreaterThan(0);
    expect(requested).toEqual([
      { nodeId: "node-b", local: false },
      { nodeId: "node-a", local: true },
    ]);
    expect(honoured).toHaveLength(2);
    expect(honoured.map((m) => [m.nodeId, m.local])).toEqual([
      ["node-a", false],
      ["node-a", true],
    ]);
    for (const m of honoured) {
      expect(m.latencyMs).toBeGreaterThanOrEqual(0);
      expect(m.latencyMs).toBeLessThan(10_000);
    }
    expect(JSON.stringify([ends, requested, honoured])).not.toMatch(/secret/);
  });

  it("honours a flag that does not say when it was written (the Python original's) without a latency", async () => {
    const honoured = recordChannel<CloseHonouredMessage>(DIAGNOSTICS_CHANNELS.closeHonoured);
    const store = openStore();
    const owner = host({
      registry: registry({ store, nodeId: "node-a", ttlMs: 60_000 }),
      maintenanceIntervalMs: 20_000,
    });
    await owner.start();
    await owner.add("c", "s", { close: () => undefined });
    await store.set("close_requests/c/s", new Uint8Array(0), 60_000);
    await owner.runCycle();
    await waitFor(() => honoured.length === 1, 5_000, "the Python-style close honoured");
    expect(honoured).toEqual([{ nodeId: "node-a", local: false, latencyMs: undefined }]);
  });

  it("marks a failed cycle, with its error code", async () => {
    const cycles = recordTracing<HostCycleContext>(DIAGNOSTICS_CHANNELS.hostCycle);
    const store = openStore();
    const owner = host({
      registry: registry({ store, nodeId: "node-a", ttlMs: 60_000 }),
      maintenanceIntervalMs: 20_000,
    });
    await owner.start();
    await owner.add("c", "s", { close: () => undefined });
    await store.close();
    await owner.runCycle();
    const error = cycles.find((e) => e.event === "error");
    expect(error?.copy).toMatchObject({ sessions: 1, failed: true, errorCode: ErrorCode.STORE_CLOSED });
  });
});
