import { describe, expect, it } from "vitest";
import { ErrorCode, SessionKVError, type SessionMetrics, sessionKey } from "../src/index.js";
import { sleep } from "../src/store-kit.js";
import { interceptStore, recordingLogger, waitFor } from "../src/testing/index.js";
import { sessionFixtures } from "./support/session-fixtures.js";

// Faults that fault injection against real servers found in the host; each case fails without its fix.
const { store: openStore, registry, host } = sessionFixtures();
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const unavailable = () => new SessionKVError(ErrorCode.STORE_UNAVAILABLE, "store unreachable (simulated)");

describe("SessionHost under faults", () => {
  it("a record grown past the size limit by another writer never blocks its siblings' writes", async () => {
    const store = openStore();
    const { maxValueBytes } = store.capabilities;
    const writes: string[] = [];
    const counted = interceptStore(store, (operation) => {
      if (operation === "set" || operation === "mset" || operation === "setIfAbsent") writes.push(operation);
    });
    const logger = recordingLogger();
    const h = host({
      registry: registry({ store: counted, nodeId: "A", ttlMs: 60_000 }),
      maintenanceIntervalMs: 20_000,
      logger,
    });
    await h.start();
    let tick = 0;
    // From the first cycle on the metrics grow by some 60 bytes: the rewrite no longer fits.
    await h.add("c", "big", {
      close() {},
      metrics: (): SessionMetrics =>
        tick === 0 ? { tick } : { tick, latency_of_the_speech_to_text_vendor_ms: tick },
    });
    await h.add("c", "sibling", { close() {}, metrics: () => ({ tick }) });
    // A foreign writer grows the record to a legal size, just under the limit.
    const key = sessionKey("c", "big");
    const record = JSON.parse(decoder.decode((await store.get(key))!)) as Record<string, unknown>;
    const base = encoder.encode(JSON.stringify({ ...record, blob: "" })).byteLength;
    const grown = encoder.encode(JSON.stringify({ ...record, blob: "x".repeat(maxValueBytes - base - 2) }));
    expect(grown.byteLength).toBe(maxValueBytes - 2);
    await store.set(key, grown, 60_000);
    await store.delete([sessionKey("c", "sibling")]);
    for (tick = 1; tick <= 3; tick++) {
      writes.length = 0;
      await h.runCycle();
      // The first cycle heals the deleted sibling with a claim (and rewrites the node record, whose
      // session count changed, in an mset), the next ones rewrite its metrics; the oversized
      // rewrite never makes a call.
      expect(writes, "the oversized record is left out before the store call, not after").toEqual(
        tick === 1 ? ["setIfAbsent", "mset"] : ["mset"],
      );
      const sibling = await h.registry.get("c", "sibling");
      expect(sibling?.metrics, `cycle ${tick}: the sibling is healed and its metrics written`).toEqual({
        tick,
      });
      // Compared as bytes: a deep equality over a megabyte takes seconds.
      const kept = await store.get(key);
      expect(kept !== null && Buffer.from(kept).equals(grown), "the grown record is left as it is").toBe(
        true,
      );
      expect(logger.warnings.filter((w) => w.includes('"big"') && w.includes("too large"))).toHaveLength(
        tick,
      );
    }
  });

  it("a server refusing one record's size below the declared limit: the others are written one by one", async () => {
    const inner = openStore();
    const refused = sessionKey("c", "refused");
    let armed = false;
    // As a server whose own limit is lower than the store declares: it refuses the whole batch.
    const store = interceptStore(inner, (operation, keys) => {
      if (armed && (operation === "mset" || operation === "set") && keys.includes(refused))
        throw new SessionKVError(ErrorCode.VALUE_TOO_LARGE, "the server refused the size");
    });
    const logger = recordingLogger();
    const h = host({
      registry: registry({ store, nodeId: "A", ttlMs: 60_000 }),
      maintenanceIntervalMs: 20_000,
      logger,
    });
    await h.start();
    let tick = 0;
    for (const id of ["refused", "sibling"]) await h.add("c", id, { close() {}, metrics: () => ({ tick }) });
    armed = true;
    tick = 1;
    await h.runCycle();
    expect((await h.registry.get("c", "sibling"))?.metrics).toEqual({ tick: 1 });
    expect((await h.registry.get("c", "refused"))?.metrics).toEqual({ tick: 0 });
    expect(logger.warnings.filter((w) => w.includes('"refused"') && w.includes("too large"))).toHaveLength(1);
  });

  it("keeps every record alive through a failover in which store calls hang for the store's 5 s timeout", async () => {
    const inner = openStore();
    const ttlMs = 3_000;
    const failover = { from: Number.POSITIVE_INFINITY, to: 0 };
    // Calls issued during the failover hang until the store's own deadline; later ones go through.
    const store = interceptStore(inner, async () => {
      const now = performance.now();
      if (now < failover.from || now >= failover.to) return;
      await sleep(5_000);
      throw unavailable();
    });
    const h = host({ registry: registry({ store, nodeId: "A", ttlMs }), maintenanceIntervalMs: 500 });
    expect(h.operationTimeoutMs).toBeCloseTo((ttlMs - 500) / 3);
    await h.start();
    for (const id of ["s1", "s2", "s3"]) await h.add("c", id, { close() {} });
    failover.from = performance.now();
    failover.to = failover.from + 1_000;
    const keys = ["s1", "s2", "s3"].map((id) => sessionKey("c", id));
    const watchUntil = failover.from + 6_000;
    while (performance.now() < watchUntil) {
      const values = await inner.mget(keys);
      expect(
        values.every((v) => v !== null),
        `records visible ${Math.round(performance.now() - failover.from)} ms into the failover`,
      ).toBe(true);
      await sleep(25);
    }
  });

  it("rejects an operationTimeoutMs that a TTL cannot outlive, naming the parameters", () => {
    const r = registry({ store: openStore(), ttlMs: 3_000 });
    let error: unknown;
    try {
      host({ registry: r, maintenanceIntervalMs: 500, operationTimeoutMs: 5_000 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SessionKVError);
    expect((error as SessionKVError).code).toBe(ErrorCode.INVALID_ARGUMENT);
    for (const name of ["operationTimeoutMs", "registry.ttlMs", "maintenanceIntervalMs"])
      expect((error as Error).message).toContain(name);
    expect(
      host({ registry: r, maintenanceIntervalMs: 500, operationTimeoutMs: 800 }).operationTimeoutMs,
    ).toBe(800);
  });

  it("retries a removal that failed in an outage until it succeeds", async () => {
    const inner = openStore();
    let down = false;
    const store = interceptStore(inner, (operation) => {
      if (down && operation === "delete") throw unavailable();
    });
    const logger = recordingLogger();
    const h = host({
      registry: registry({ store, nodeId: "A", ttlMs: 60_000 }),
      maintenanceIntervalMs: 20_000,
      logger,
    });
    await h.start();
    await h.add("c", "gone", { close() {} });
    await h.add("c", "stays", { close() {} });
    down = true;
    await expect(h.remove("c", "gone")).rejects.toMatchObject({ code: ErrorCode.STORE_UNAVAILABLE });
    await h.runCycle();
    expect(await inner.get(sessionKey("c", "gone")), "still down: not removed yet").not.toBeNull();
    down = false;
    await h.runCycle();
    await waitFor(async () => (await inner.get(sessionKey("c", "gone"))) === null, 5_000, "removal retried");
    expect(await h.registry.get("c", "stays")).not.toBeNull();
    expect(logger.warnings.some((w) => w.includes("removal had failed"))).toBe(true);
  });

  it("never deletes a session hosted again since its removal failed, here or on another node", async () => {
    const inner = openStore();
    let down = false;
    const store = interceptStore(inner, (operation) => {
      if (down && operation === "delete") throw unavailable();
    });
    const a = host({
      registry: registry({ store, nodeId: "A", ttlMs: 60_000 }),
      maintenanceIntervalMs: 20_000,
    });
    const b = host({
      registry: registry({ store: inner, nodeId: "B", ttlMs: 60_000 }),
      maintenanceIntervalMs: 20_000,
    });
    await Promise.all([a.start(), b.start()]);
    await a.add("c", "here", { close() {} });
    await a.add("c", "there", { close() {} });
    down = true;
    await expect(a.remove("c", "here")).rejects.toMatchObject({ code: ErrorCode.STORE_UNAVAILABLE });
    await expect(a.remove("c", "there")).rejects.toMatchObject({ code: ErrorCode.STORE_UNAVAILABLE });
    down = false;
    await a.add("c", "here", { close() {} });
    // A's record of "there" is live until its removal is retried: B may not take the id over.
    await expect(b.add("c", "there", { close() {} })).rejects.toMatchObject({
      code: ErrorCode.SESSION_EXISTS,
      details: { ownerNodeId: "A" },
    });
    // The record expires (deleted here, as its TTL would): now B registers the id.
    await inner.delete([sessionKey("c", "there")]);
    await b.add("c", "there", { close() {} });
    for (let i = 0; i < 3; i++) {
      await a.runCycle();
      await sleep(20);
    }
    expect((await a.registry.get("c", "here"))?.nodeId).toBe("A");
    expect((await a.registry.get("c", "there"))?.nodeId).toBe("B");
  });

  it("remove() before start() rejects with ERR_NOT_RUNNING naming the host, and deletes nothing", async () => {
    const r = registry({ store: openStore(), nodeId: "A", ttlMs: 60_000 });
    await r.start();
    await r.register("c", "s");
    const h = host({ registry: r, maintenanceIntervalMs: 20_000 });
    const error = await h.remove("c", "s").then(
      () => undefined,
      (caught: unknown) => caught as SessionKVError,
    );
    expect(error?.code).toBe(ErrorCode.NOT_RUNNING);
    expect(error?.message).toBe("SessionHost.remove() called before start() completed");
    expect(await r.get("c", "s")).not.toBeNull();
  });

  it("keeps a metric named __proto__ through registration, the host's push and reads", async () => {
    const store = openStore();
    const h = host({
      registry: registry({ store, nodeId: "A", ttlMs: 60_000 }),
      maintenanceIntervalMs: 20_000,
    });
    await h.start();
    let turns = 1;
    const metrics = () => JSON.parse(`{"__proto__": ${turns}, "turns": ${turns}}`) as Record<string, number>;
    await h.add("c", "s", { close() {}, metrics });
    const read = async () => {
      const info = await h.registry.get("c", "s");
      return { own: Object.hasOwn(info!.metrics, "__proto__"), entries: Object.entries(info!.metrics) };
    };
    expect(await read()).toEqual({
      own: true,
      entries: [
        ["__proto__", 1],
        ["turns", 1],
      ],
    });
    turns = 2;
    await h.runCycle();
    expect(await read()).toEqual({
      own: true,
      entries: [
        ["__proto__", 2],
        ["turns", 2],
      ],
    });
    expect(decoder.decode((await store.get(sessionKey("c", "s")))!)).toContain('"__proto__":2');
  });
});
