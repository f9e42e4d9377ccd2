import { describe, expect, it } from "vitest";
import { ErrorCode, SessionHost, SessionRegistry } from "../src/index.js";
import { coreVersion } from "../src/registry/node-record.js";
import { sleep } from "../src/store-kit.js";
import { interceptStore, waitFor } from "../src/testing/index.js";
import { sessionFixtures } from "./support/session-fixtures.js";

// Every running host keeps a record of its node; any registry lists the live ones.
const { store: openStore, registry, host } = sessionFixtures();

describe("node records", () => {
  it("lists every running host, those that host nothing included, with counts, labels and version", async () => {
    const store = openStore();
    const a = host({
      registry: registry({ store, nodeId: "a", ttlMs: 60_000 }),
      maintenanceIntervalMs: 20_000,
      labels: { region: "eu-west-1", __proto__: "kept" } as Record<string, string>,
    });
    const b = host({
      registry: registry({ store, nodeId: "b", ttlMs: 60_000 }),
      maintenanceIntervalMs: 20_000,
    });
    const viewer = registry({ store, nodeId: "viewer", ttlMs: 60_000 });
    const before = Date.now();
    await Promise.all([a.start(), b.start(), viewer.start()]);
    expect(await viewer.getNodes()).toEqual([
      {
        nodeId: "a",
        startedAt: expect.any(Number),
        updatedAt: expect.any(Number),
        sessions: 0,
        draining: false,
        version: coreVersion(),
        labels: { region: "eu-west-1" },
      },
      expect.objectContaining({ nodeId: "b", sessions: 0, draining: false, labels: {} }),
    ]);
    const [nodeA] = await viewer.getNodes();
    expect(nodeA?.startedAt).toBeGreaterThanOrEqual(before);
    expect(nodeA?.startedAt).toBeLessThanOrEqual(nodeA?.updatedAt ?? 0);
    for (const id of ["s1", "s2"]) await a.add("c", id, { close() {} });
    await b.add("c", "s3", { close() {} });
    expect(
      (await viewer.getNodes()).map((n) => n.sessions),
      "not before a cycle",
    ).toEqual([0, 0]);
    await Promise.all([a.runCycle(), b.runCycle()]);
    expect((await viewer.getNodes()).map((n) => [n.nodeId, n.sessions])).toEqual([
      ["a", 2],
      ["b", 1],
    ]);
    await a.remove("c", "s1");
    await a.runCycle();
    expect((await viewer.getNodes())[0]?.sessions).toBe(1);
    expect(await viewer.getNode("b")).toMatchObject({ nodeId: "b", sessions: 1 });
    expect(await viewer.getNode("nobody")).toBeNull();
    await b.stop();
    expect(await viewer.getNode("b")).toBeNull();
    expect(
      (await viewer.getNodes()).map((n) => n.nodeId),
      "a stopped host deletes its record",
    ).toEqual(["a"]);
  });

  it("a dead node leaves the list when its record's TTL runs out; a live one stays", async () => {
    const store = openStore();
    const ttlMs = 400;
    const live = host({ registry: registry({ store, nodeId: "live", ttlMs }), maintenanceIntervalMs: 100 });
    const dead = host({ registry: registry({ store, nodeId: "dead", ttlMs }), maintenanceIntervalMs: 100 });
    const viewer = registry({ store, ttlMs });
    await Promise.all([live.start(), dead.start(), viewer.start()]);
    await sleep(2 * ttlMs);
    expect(
      (await viewer.getNodes()).map((n) => n.nodeId),
      "both refreshed past their TTL",
    ).toEqual(["dead", "live"]);
    await dead.abandon();
    const killedAt = Date.now();
    await waitFor(async () => (await viewer.getNodes()).length === 1, 5_000, "dead node gone");
    expect(Date.now() - killedAt).toBeLessThanOrEqual(ttlMs + 100 + 200);
    expect((await viewer.getNodes())[0]?.nodeId).toBe("live");
  });

  it("heals a node record that went missing, in the cycle's own mset", async () => {
    const store = openStore();
    const h = host({
      registry: registry({ store, nodeId: "n", ttlMs: 60_000 }),
      maintenanceIntervalMs: 20_000,
    });
    const viewer = registry({ store, ttlMs: 60_000 });
    await Promise.all([h.start(), viewer.start()]);
    await store.delete(["nodes/live/n"]);
    expect(await viewer.getNodes()).toEqual([]);
    await h.runCycle();
    expect((await viewer.getNodes()).map((n) => n.nodeId)).toEqual(["n"]);
  });

  it("skips unreadable and foreign node records, and reports them", async () => {
    const store = openStore();
    const warnings: string[] = [];
    const viewer = new SessionRegistry({
      store,
      ttlMs: 60_000,
      logger: { warn: (m: string) => void warnings.push(m), error: () => undefined },
    });
    await viewer.start();
    const text = new TextEncoder();
    await store.set("nodes/live/x", text.encode("not json"), 60_000);
    await store.set("nodes/live/y", text.encode('{"node_id":"z"}'), 60_000);
    await store.set("nodes/live/y/extra", text.encode("{}"), 60_000);
    expect(await viewer.getNodes()).toEqual([]);
    expect(warnings).toHaveLength(3);
    expect(warnings.join("\n")).toMatch(/nodes\/live\/x.*is not JSON/);
    expect(warnings.join("\n")).toMatch(/nodes\/live\/y.*names node "z"/);
  });

  it("validates node ids and labels before any I/O", async () => {
    const store = openStore();
    expect(() => registry({ store, nodeId: "a/b" })).toThrow(/^nodeId .*must not contain "\/"/);
    expect(() => registry({ store, nodeId: "" })).toThrow(/^nodeId must not be empty/);
    const seen: string[] = [];
    const r = registry({
      store: interceptStore(store, (operation) => void seen.push(operation)),
      nodeId: "n",
      ttlMs: 60_000,
    });
    for (const labels of [null, ["x"], { a: 1 }, { "": "x" }, { a: "\uD800" }]) {
      expect(() => new SessionHost({ registry: r, labels: labels as never }), JSON.stringify(labels)).toThrow(
        expect.objectContaining({
          code: ErrorCode.INVALID_ARGUMENT,
          message: expect.stringMatching(/^labels/),
        }),
      );
    }
    expect(
      () => new SessionHost({ registry: r, labels: { big: "x".repeat(store.capabilities.maxValueBytes) } }),
    ).toThrow(/^labels make a node record of up to \d+ bytes/);
    await r.start();
    await expect(r.requestDrain("a/b")).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    await expect(r.getNode("a/b")).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    await expect(r.requestDrain("n", { graceMs: -1 })).rejects.toThrow(/^options\.graceMs must be/);
    await expect(r.requestDrain("n", "soon" as never)).rejects.toThrow(/^options must be an object/);
    expect(seen).toEqual([]);
  });
});
