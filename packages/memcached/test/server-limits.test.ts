import { bytes, text } from "@sessionkv/conformance/testing";
import { isSessionKVError } from "@sessionkv/core";
import { requireContainers } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import memjs from "memjs";
import { beforeAll, describe, expect, it } from "vitest";
import { RELATIVE_EXPTIME_LIMIT_S, SERVER_EXPIRY_MARGIN_S, exptimeFor } from "../src/exptime.js";
import { DEFAULT_MAX_VALUE_BYTES, MAX_KEY_BYTES, MemcachedSessionKVStore } from "../src/index.js";
import { KeyEncoder } from "../src/key-encoding.js";
import { serverTime, textCommand } from "./raw.js";
import { defaultServer } from "./targets.js";

const gate = await requireContainers();
const DAY_MS = 86_400_000;

describe("exptime: the 30-day rule", () => {
  it("sends up to 30 days as seconds from now (rounded up, plus the margin), beyond as an absolute Unix time", () => {
    const now = 1_800_000_000_000;
    const margin = SERVER_EXPIRY_MARGIN_S;
    expect(margin).toBeGreaterThanOrEqual(2);
    expect(exptimeFor(now + 1, now)).toBe(1 + margin);
    expect(exptimeFor(now + 1_000, now)).toBe(1 + margin);
    expect(exptimeFor(now + 1_001, now)).toBe(2 + margin);
    const lastRelative = (RELATIVE_EXPTIME_LIMIT_S - margin) * 1000;
    expect(exptimeFor(now + lastRelative, now)).toBe(RELATIVE_EXPTIME_LIMIT_S);
    expect(exptimeFor(now + lastRelative + 1_000, now)).toBe(now / 1000 + RELATIVE_EXPTIME_LIMIT_S + 1);
    expect(exptimeFor(now + 31 * DAY_MS, now)).toBe(now / 1000 + 31 * 86_400 + margin);
  });
});

describe("server limits", () => {
  forEachTarget([defaultServer], { run: gate.run }, ({ server, track }) => {
    let store: MemcachedSessionKVStore;
    beforeAll(async () => {
      store = track(new MemcachedSessionKVStore({ servers: server().endpoint, keyPrefix: "limits:" }));
      await store.start();
    });

    it("600-byte keys (beyond Memcached's 250) with spaces and control characters round-trip through every operation", async () => {
      const a = `${"å b\n".repeat(100)}${"x".repeat(100)}-a`; // 602 UTF-8 bytes
      const b = `${"å b\n".repeat(100)}${"x".repeat(100)}-b`;
      expect(Buffer.byteLength(a)).toBeGreaterThanOrEqual(600);
      await store.set(a, bytes("A"), 60_000);
      await store.mset([{ key: b, value: bytes("B"), ttlMs: 60_000 }]);
      expect(text(await store.get(a))).toBe("A");
      expect((await store.mget([b, a, b])).map(text)).toEqual(["B", "A", "B"]);
      await store.set(a, bytes("A2"), 60_000, { onlyIfExists: true });
      await store.expire([a, b], 120_000);
      expect(text(await store.get(a))).toBe("A2");
      expect(new Set(await store.keys("å b\n"))).toEqual(new Set([a, b]));
      await store.delete([b]);
      expect(await store.keys("å b\n")).toEqual([a]);
    });

    it("a 31-day TTL reaches the server as an absolute time: the item is there with ~31 days to live", async () => {
      const key = "month-long";
      const issuedAt = Date.now();
      await store.set(key, bytes("31d"), 31 * DAY_MS);
      const resolvedAt = Date.now();
      expect(text(await store.get(key))).toBe("31d");
      // A relative 31 days would be read by the server as a date in January 1970 and expire at once.
      const dataKey = new KeyEncoder("limits:").dataKey(key);
      const raw = memjs.Client.create(server().endpoint, { logger: { log: () => undefined } });
      try {
        const { value } = await raw.get(dataKey);
        expect(value).not.toBeNull();
      } finally {
        raw.close();
      }
      // Meta get (1.6+) with the `t` flag reports the remaining server-side TTL in seconds: the
      // absolute exptime minus the server's clock, which a loaded machine lets lag by seconds. Both
      // are bounded from readings around the operations, so the check holds however late it runs.
      const clockBefore = await serverTime(server().endpoint);
      const reply = await textCommand(server().endpoint, `mg ${dataKey} t`);
      const clockAfter = await serverTime(server().endpoint);
      const ttl = Number(/ t(-?\d+)/.exec(reply)?.[1]);
      // The store computed the exptime between issuedAt and resolvedAt (exptime.ts: rounded up, plus the margin).
      const exptime = (now: number) => exptimeFor(now + 31 * DAY_MS, now);
      expect(ttl).toBeGreaterThanOrEqual(exptime(issuedAt) - clockAfter);
      expect(ttl).toBeLessThanOrEqual(exptime(resolvedAt) - clockBefore);
      expect(ttl).toBeGreaterThan(31 * 86_400 - 60);
    });

    it("the largest declared value fits the server's default item size even with the longest key", async () => {
      const key = "k".repeat(MAX_KEY_BYTES);
      const value = new Uint8Array(DEFAULT_MAX_VALUE_BYTES).fill(7);
      await store.set(key, value, 60_000);
      expect((await store.get(key))?.byteLength).toBe(DEFAULT_MAX_VALUE_BYTES);
    });

    it("an item the server refuses as too large rejects with ERR_VALUE_TOO_LARGE, writes nothing, and the connection stays usable", async () => {
      // A store told the server takes 2 MiB items, talking to one with the default 1 MiB.
      const optimistic = new MemcachedSessionKVStore({
        servers: server().endpoint,
        keyPrefix: "limits-big:",
        maxValueBytes: 2 * 1024 * 1024,
      });
      await optimistic.start();
      try {
        const tooLarge = new Uint8Array(1536 * 1024);
        const error = await optimistic.set("big", tooLarge, 60_000).then(
          () => null,
          (e: unknown) => e,
        );
        expect(isSessionKVError(error, "ERR_VALUE_TOO_LARGE")).toBe(true);
        const inBatch = await optimistic
          .mset([
            { key: "small", value: bytes("s"), ttlMs: 60_000 },
            { key: "big", value: tooLarge, ttlMs: 60_000 },
          ])
          .then(
            () => null,
            (e: unknown) => e,
          );
        expect(isSessionKVError(inBatch, "ERR_VALUE_TOO_LARGE")).toBe(true);
        expect(await optimistic.get("big")).toBeNull();
        expect(text(await optimistic.get("small"))).toBe("s");
        expect(await optimistic.keys("")).toEqual(["small"]);
        // And through the store's own limit: rejected before any I/O.
        const early = await store.set("big", new Uint8Array(DEFAULT_MAX_VALUE_BYTES + 1), 60_000).then(
          () => null,
          (e: unknown) => e,
        );
        expect(isSessionKVError(early, "ERR_VALUE_TOO_LARGE")).toBe(true);
      } finally {
        await optimistic.close();
      }
    });
  });
});
