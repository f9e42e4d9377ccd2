import { afterEach, describe, expect, it } from "vitest";
import { SessionHost, type SessionKVStore, SessionRegistry, silentLogger } from "../src/index.js";
import { type StoreOperation, interceptStore, waitFor } from "../src/testing/index.js";
import { ReferenceStore } from "./support/reference-store.js";

// Round trips are what a networked store charges for: these budgets must not grow with the
// number of sessions. The counting wrapper passes every call through to a real store.
const N = 1_000;
const opened: ReferenceStore[] = [];

function counted(): { store: SessionKVStore; calls: Partial<Record<StoreOperation, number>>; reset(): void } {
  const inner = new ReferenceStore();
  opened.push(inner);
  const calls: Partial<Record<StoreOperation, number>> = {};
  const store = interceptStore(inner, (operation) => {
    calls[operation] = (calls[operation] ?? 0) + 1;
  });
  return {
    store,
    calls,
    reset: () => {
      for (const key of Object.keys(calls)) delete calls[key as StoreOperation];
    },
  };
}

function sessions(count: number, call = "call"): Map<string, string> {
  return new Map(Array.from({ length: count }, (_, i) => [`s${i}`, `${call}${i % 10}`]));
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

describe("store round trips per registry call (1,000 sessions)", () => {
  it("refresh: one expire and one mget", async () => {
    const { store, calls, reset } = counted();
    const registry = new SessionRegistry({ store, ttlMs: 60_000, logger: silentLogger });
    await registry.start();
    const all = sessions(N);
    for (const [sessionId, callId] of [...all].slice(0, N - 5)) await registry.register(callId, sessionId);
    reset();
    const missing = await registry.refresh(all);
    expect(missing).toEqual(["s995", "s996", "s997", "s998", "s999"]);
    expect(calls).toEqual({ expire: 1, mget: 1 });
  });

  it("getCloseRequests: one mget; removeMany: one delete; getForCall: one listing and one mget", async () => {
    const { store, calls, reset } = counted();
    const registry = new SessionRegistry({ store, ttlMs: 60_000, logger: silentLogger });
    await registry.start();
    const all = sessions(N, "c");
    for (const [sessionId, callId] of all) await registry.register(callId, sessionId);
    for (const id of ["s1", "s500"]) await registry.requestClose(all.get(id)!, id);
    reset();
    expect((await registry.getCloseRequests(all)).sort()).toEqual(["s1", "s500"]);
    expect(calls).toEqual({ mget: 1 });
    reset();
    expect(await registry.getForCall("c0")).toHaveLength(N / 10);
    expect(calls).toEqual({ keys: 1, mget: 1 });
    reset();
    await registry.removeMany(all);
    expect(calls).toEqual({ delete: 1 });
  });

  it("a host cycle: 2 calls when nothing changed, 3 with metrics, a claim per healed record, 4 with closes, the node record folded in; stop: 2 deletes", async () => {
    const { store, calls, reset } = counted();
    const registry = new SessionRegistry({ store, ttlMs: 600_000, logger: silentLogger });
    const host = new SessionHost({ registry, maintenanceIntervalMs: 60_000, logger: silentLogger });
    await host.start();
    let tick = 0;
    const closed: string[] = [];
    for (const [sessionId, callId] of sessions(N)) {
      await host.add(callId, sessionId, {
        close: () => void closed.push(sessionId),
        metrics: () => ({ tick }),
      });
    }

    reset();
    await host.runCycle();
    // The node record is refreshed and read with the sessions' records, and rewritten in the same
    // mset only when its content changed: here its session count, from 0 to N.
    expect(calls, "the node's session count changed").toEqual({ expire: 1, mget: 1, mset: 1 });
    expect((await registry.getNodes())[0]?.sessions).toBe(N);

    reset();
    await host.runCycle();
    expect(calls, "unchanged metrics").toEqual({ expire: 1, mget: 1 });

    tick++;
    reset();
    await host.runCycle();
    expect(calls, "every session's metrics changed").toEqual({ expire: 1, mget: 1, mset: 1 });

    await store.delete(await store.keys(""));
    reset();
    await host.runCycle();
    // Healing writes each fresh record as a claim, so that it never overwrites another node's
    // registration: one setIfAbsent per record, issued together (one pipelined round trip). The node
    // record went with them: it is rewritten in the cycle's mset.
    expect(calls, "every record lost and re-registered").toEqual({
      expire: 1,
      mget: 1,
      setIfAbsent: N,
      mset: 1,
    });
    expect(await registry.getForCall("call3")).toHaveLength(N / 10);

    for (let i = 0; i < 20; i++) await registry.requestClose(`call${i % 10}`, `s${i}`);
    tick++;
    reset();
    await host.runCycle();
    await waitFor(() => host.sessions.size === N - 20, 5_000, "closed sessions removed");
    expect(closed).toHaveLength(20);
    expect(calls, "20 close requests honoured, metrics changed").toEqual({
      expire: 1,
      mget: 1,
      mset: 1,
      delete: 1,
    });

    reset();
    await host.stop();
    // One for the sessions, one for the node record and its drain flag.
    expect(calls, "stop").toEqual({ delete: 2 });
    expect(closed).toHaveLength(N);
    expect(await store.keys("")).toEqual([]);
  });

  it("a node record: written at start, refreshed and read by every cycle of an idle host (2 calls), listed in 2", async () => {
    const { store, calls, reset } = counted();
    const registry = new SessionRegistry({ store, nodeId: "idle", ttlMs: 600_000, logger: silentLogger });
    const host = new SessionHost({ registry, maintenanceIntervalMs: 60_000, logger: silentLogger });
    reset();
    await host.start();
    expect(calls, "start").toEqual({ mset: 1 });
    reset();
    await host.runCycle();
    expect(calls, "an idle cycle").toEqual({ expire: 1, mget: 1 });
    reset();
    expect(await registry.getNodes()).toMatchObject([{ nodeId: "idle", sessions: 0, draining: false }]);
    expect(calls, "getNodes").toEqual({ keys: 1, mget: 1 });
    reset();
    expect(await registry.requestDrain("idle")).toBe(true);
    expect(calls, "requestDrain").toEqual({ get: 1, set: 1 });
    reset();
    await host.runCycle();
    // The cycle that reads the drain flag writes draining: true in its own mset.
    expect(calls, "the cycle that finds the drain flag").toEqual({ expire: 1, mget: 1, mset: 1 });
    expect((await registry.getNodes())[0]?.draining).toBe(true);
    await host.stop();
  });
});
