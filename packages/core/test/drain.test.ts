import { describe, expect, it } from "vitest";
import { ErrorCode, isSessionKVError } from "../src/index.js";
import { sleep } from "../src/store-kit.js";
import { waitFor } from "../src/testing/index.js";
import { sessionFixtures } from "./support/session-fixtures.js";

// A drained host takes no new session, says so in its node record, and closes what is left after
// the caller's grace period.
const { store: openStore, registry, host } = sessionFixtures();

async function addError(add: Promise<void>): Promise<unknown> {
  return add.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("drain", () => {
  it("host.drain(): refuses add with ERR_DRAINING, shows draining: true, keeps its sessions without graceMs", async () => {
    const store = openStore();
    const h = host({
      registry: registry({ store, nodeId: "n", ttlMs: 60_000 }),
      maintenanceIntervalMs: 20_000,
    });
    const viewer = registry({ store, ttlMs: 60_000 });
    await Promise.all([h.start(), viewer.start()]);
    const closes: string[] = [];
    await h.add("c", "s", { close: (reason) => void closes.push(reason) });
    await h.drain();
    expect(h.draining).toBe(true);
    expect(await viewer.getNodes()).toMatchObject([{ nodeId: "n", draining: true, sessions: 1 }]);
    const refused = await addError(h.add("c", "t", { close() {} }));
    expect(isSessionKVError(refused, ErrorCode.DRAINING)).toBe(true);
    expect((refused as Error).message).toMatch(
      /^SessionHost\.add\(\) called on a draining host \(node "n"\)/,
    );
    expect(await viewer.get("c", "t")).toBeNull();
    await h.runCycle();
    expect(closes).toEqual([]);
    expect(h.sessions.size).toBe(1);
    await h.stop();
    expect(closes).toEqual(["host-stopped"]);
  });

  it("host.drain({ graceMs }): resolves as soon as the last session ends on its own", async () => {
    const store = openStore();
    const h = host({ registry: registry({ store, ttlMs: 60_000 }), maintenanceIntervalMs: 20_000 });
    await h.start();
    const closes: string[] = [];
    await h.add("c", "s", { close: (reason) => void closes.push(reason) });
    const began = Date.now();
    const drained = h.drain({ graceMs: 10_000 });
    await sleep(100);
    await h.remove("c", "s");
    await drained;
    expect(Date.now() - began).toBeLessThan(5_000);
    expect(closes).toEqual([]);
  });

  it('host.drain({ graceMs }): closes the sessions left with reason "drain" once the grace period ran out', async () => {
    const store = openStore();
    const r = registry({ store, ttlMs: 60_000 });
    const h = host({ registry: r, maintenanceIntervalMs: 20_000 });
    await h.start();
    const closes: { id: string; at: number }[] = [];
    for (const id of ["s1", "s2"])
      await h.add("c", id, { close: () => void closes.push({ id, at: Date.now() }) });
    const began = Date.now();
    await h.drain({ graceMs: 300 });
    expect(closes.map((c) => c.id).sort()).toEqual(["s1", "s2"]);
    for (const c of closes) expect(c.at - began).toBeGreaterThanOrEqual(300);
    expect(h.sessions.size).toBe(0);
    expect(await r.getForCall("c")).toEqual([]);
    expect(h.running, "a drain does not stop the host").toBe(true);
  });

  it("registry.requestDrain(nodeId): the node finds the flag in its next cycle, drains and closes after grace", async () => {
    const store = openStore();
    const h = host({ registry: registry({ store, nodeId: "n", ttlMs: 2_000 }), maintenanceIntervalMs: 100 });
    const operator = registry({ store, nodeId: "op", ttlMs: 60_000 });
    await Promise.all([h.start(), operator.start()]);
    const reasons: string[] = [];
    await h.add("c", "s", { close: (reason) => void reasons.push(reason) });
    expect(await operator.requestDrain("nobody")).toBe(false);
    expect(await store.get("drain_requests/nobody")).toBeNull();
    const asked = Date.now();
    expect(await operator.requestDrain("n", { graceMs: 200 })).toBe(true);
    await waitFor(() => h.draining, 2_000, "node drains");
    expect(Date.now() - asked).toBeLessThanOrEqual(100 + 500);
    await waitFor(async () => (await operator.getNodes())[0]?.draining === true, 2_000, "record shows it");
    await waitFor(() => reasons.length === 1, 3_000, "closed after grace");
    expect(reasons).toEqual(["drain"]);
    expect(Date.now() - asked).toBeGreaterThanOrEqual(200);
    await expect(h.add("c", "t", { close() {} })).rejects.toMatchObject({ code: ErrorCode.DRAINING });
  });

  it("a later request with a grace period is honoured too; the same flag read again starts nothing", async () => {
    const store = openStore();
    const h = host({
      registry: registry({ store, nodeId: "n", ttlMs: 60_000 }),
      maintenanceIntervalMs: 20_000,
    });
    const operator = registry({ store, ttlMs: 60_000 });
    await Promise.all([h.start(), operator.start()]);
    const reasons: string[] = [];
    await h.add("c", "s", { close: (reason) => void reasons.push(reason) });
    await operator.requestDrain("n");
    await h.runCycle();
    await h.runCycle();
    expect(h.draining).toBe(true);
    await sleep(5);
    await operator.requestDrain("n", { graceMs: 50 });
    await h.runCycle();
    await waitFor(() => reasons.length > 0, 2_000, "closed after the second request's grace");
    expect(reasons).toEqual(["drain"]);
  });

  it("a drain flag left from a previous run of the node id never drains the next run", async () => {
    const store = openStore();
    const first = host({
      registry: registry({ store, nodeId: "n", ttlMs: 60_000 }),
      maintenanceIntervalMs: 20_000,
    });
    const operator = registry({ store, ttlMs: 60_000 });
    await Promise.all([first.start(), operator.start()]);
    expect(await operator.requestDrain("n")).toBe(true);
    await first.abandon();
    await sleep(5);
    const next = host({
      registry: registry({ store, nodeId: "n", ttlMs: 60_000 }),
      maintenanceIntervalMs: 20_000,
    });
    await next.start();
    expect(await store.get("drain_requests/n"), "the old flag is still there").not.toBeNull();
    await next.runCycle();
    await next.runCycle();
    expect(next.draining).toBe(false);
    await next.add("c", "s", { close() {} });
  });

  it("validates drain options before anything, and drain() needs a started host", async () => {
    const store = openStore();
    const h = host({ registry: registry({ store, ttlMs: 60_000 }), maintenanceIntervalMs: 20_000 });
    await expect(h.drain()).rejects.toMatchObject({ code: ErrorCode.NOT_RUNNING });
    await h.start();
    for (const bad of [null, 5, { graceMs: Number.NaN }, { graceMs: -1 }, { graceMs: 2 ** 31 }]) {
      await expect(h.drain(bad as never), JSON.stringify(bad)).rejects.toMatchObject({
        code: ErrorCode.INVALID_ARGUMENT,
      });
    }
    expect(h.draining).toBe(false);
    await h.stop();
    await expect(h.drain()).rejects.toMatchObject({ code: ErrorCode.NOT_RUNNING });
  });
});
