import { spawn } from "node:child_process";
import { bytes, readAcrossWallClockStep, sleep, text } from "@sessionkv/conformance/testing";
import { describe, expect, it } from "vitest";
import { InMemorySessionKVStore } from "../src/store.js";

describe("InMemorySessionKVStore", () => {
  it("the periodic sweep drops expired records nobody reads again", async () => {
    await using store = new InMemorySessionKVStore({ cleanupIntervalMs: 20 });
    await store.start();
    await store.mset(Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: bytes("x"), ttlMs: 10 })));
    await store.set("kept", bytes("y"), 60_000);
    expect(store.size).toBe(101);
    // However late the machine runs the sweep timer, it must run: wait for it, with a bound.
    const deadline = performance.now() + 5_000;
    while (store.size > 1 && performance.now() < deadline) await sleep(20);
    expect(store.size).toBe(1);
  });

  it("sweep() ignores stale deadlines of rewritten keys", async () => {
    await using store = new InMemorySessionKVStore();
    await store.start();
    await store.set("k", bytes("1"), 5);
    await store.set("k", bytes("2"), 60_000);
    await store.expire(["k"], 60_000);
    await sleep(20);
    expect(store.sweep()).toBe(0);
    expect(text(await store.get("k"))).toBe("2");
  });

  it("the sweep queue stays bounded under steady refreshes and shortenings", async () => {
    await using store = new InMemorySessionKVStore();
    await store.start();
    const keys = Array.from({ length: 100 }, (_, i) => `k${i}`);
    await store.mset(keys.map((key) => ({ key, value: bytes(""), ttlMs: 60_000 })));
    for (let round = 0; round < 200; round++) await store.expire(keys, 60_000);
    expect(heapSize(store), "extensions queue nothing").toBe(100);
    for (let round = 0; round < 200; round++) await store.expire(keys, 50_000 - round * 10);
    expect(store.size).toBe(100);
    expect(heapSize(store), "shortenings are compacted").toBeLessThanOrEqual(2 * 100 + 1024 + 1);
  });

  it("a record extended after it was queued is swept at its new deadline, not the old one", async (context) => {
    await using store = new InMemorySessionKVStore();
    await store.start();
    await store.set("k", bytes("x"), 20);
    const extendedAt = performance.now();
    await store.expire(["k"], 1_000);
    await sleep(60);
    // The sweep below must keep the record only while its new deadline is provably ahead.
    if (performance.now() - extendedAt >= 1_000) context.skip("the machine stalled past the new deadline");
    expect(store.sweep()).toBe(0);
    expect(store.size).toBe(1);
    await sleep(1_000);
    expect(store.sweep()).toBe(1);
    expect(store.size).toBe(0);
  });

  it("the sweep timer does not keep the process alive", async () => {
    // A child process starts a store and never closes it: it must still exit on its own.
    const script = `import { InMemorySessionKVStore } from ${JSON.stringify(new URL("../dist/index.js", import.meta.url).href)};
      const s = new InMemorySessionKVStore({ cleanupIntervalMs: 10 }); await s.start(); await s.set("k", new Uint8Array(1), 60000);`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: "inherit" });
    const code = await new Promise<number | null>((resolve) => {
      const guard = setTimeout(() => {
        child.kill();
        resolve(null);
      }, 10_000);
      child.on("exit", (c) => {
        clearTimeout(guard);
        resolve(c);
      });
    });
    expect(code, "the process was kept alive by the sweep timer").toBe(0);
  });

  it("rejects bad options with ERR_INVALID_ARGUMENT naming the option", () => {
    expect(() => new InMemorySessionKVStore({ cleanupIntervalMs: 0 })).toThrow(/cleanupIntervalMs/);
    expect(() => new InMemorySessionKVStore({ cleanupIntervalMs: Number.NaN })).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARGUMENT" }),
    );
  });
});

function heapSize(store: InMemorySessionKVStore): number {
  return store.pendingDeadlines;
}

describe("InMemorySessionKVStore and the wall clock", () => {
  // Its deadlines are monotonic-clock times: a step of the wall clock (NTP, a VM clock
  // correction) between a write and a read changes nothing (core README, "Clocks and expiry").
  it("Date.now +400 ms between set and a get at 85 % of a 2000 ms TTL: still live", async (context) => {
    await using store = new InMemorySessionKVStore();
    await store.start();
    const read = await readAcrossWallClockStep(store);
    if (!read.provable) return context.skip("the machine stalled past the TTL in every attempt");
    expect(text(read.value)).toBe("live");
  });
});
