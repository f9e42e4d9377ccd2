import { bytes, codeOf, eventually, rejection, text } from "@sessionkv/conformance/testing";
import { ErrorCode } from "@sessionkv/core";
import { redisTargets, requireContainers } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import type { Redis } from "ioredis";
import { beforeAll, describe, expect, it } from "vitest";
import { RedisSessionKVStore } from "../src/index.js";
import { rawClient, urlOf } from "./helpers.js";

// Redis-specific behaviour the shared suite cannot see: who owns the client, what reaches the
// server (prefix escaping, PX rounding, SCAN over many keys), how replies are classified.
const gate = await requireContainers();

describe("RedisSessionKVStore", () => {
  forEachTarget(redisTargets(), { run: gate.run }, ({ server, track }) => {
    let raw: Redis;
    const open = async (keyPrefix: string): Promise<RedisSessionKVStore> => {
      const store = track(new RedisSessionKVStore({ url: urlOf(server()), keyPrefix }));
      await store.start();
      return store;
    };

    beforeAll(async () => {
      raw = track(rawClient(server()), (client) => client.disconnect());
      await raw.connect();
    });

    describe("client ownership", () => {
      it("leaves a given client open after close()", async () => {
        const client = rawClient(server());
        await client.connect();
        try {
          const store = new RedisSessionKVStore({ client, keyPrefix: "own:given:" });
          await store.start();
          await store.set("k", bytes("v"), 60_000);
          await store.close();
          expect(client.status).toBe("ready");
          expect(await client.get("own:given:k")).toBe("v");
          // The store did not reconfigure it either: the caller's offline queue is still on.
          expect(client.options.enableOfflineQueue).toBe(true);
        } finally {
          client.disconnect();
        }
      });

      it("closes the client it created from url", async () => {
        const store = new RedisSessionKVStore({
          url: urlOf(server()),
          keyPrefix: "own:url:",
          redisOptions: { connectionName: "own-url" },
        });
        await store.start();
        await store.set("k", bytes("v"), 60_000);
        expect(await raw.client("LIST")).toContain("name=own-url");
        await store.close();
        expect(store.client.status).toBe("end");
        await eventually(async () => expect(await raw.client("LIST")).not.toContain("name=own-url"), {
          withinMs: 10_000,
        });
      });
    });

    describe("key prefix with glob characters", () => {
      it("lists only its own namespace, not a sibling its unescaped pattern would match", async () => {
        const weird = await open("we*ird?[pre]\\fix:");
        // `we*ird?[pre]\fix:*` read as a glob matches this prefix too.
        const sibling = await open("weZZirdXpfix:");
        await weird.mset([
          { key: "a", value: bytes("1"), ttlMs: 60_000 },
          { key: "b*?[x]\\", value: bytes("2"), ttlMs: 60_000 },
        ]);
        await sibling.mset([
          { key: "a", value: bytes("other"), ttlMs: 60_000 },
          { key: "c", value: bytes("other"), ttlMs: 60_000 },
        ]);
        expect((await weird.keys("")).sort()).toEqual(["a", "b*?[x]\\"]);
        expect((await sibling.keys("")).sort()).toEqual(["a", "c"]);
        expect(await weird.keys("b*?[")).toEqual(["b*?[x]\\"]);
        expect(await weird.keys("*")).toEqual([]);
        expect(text(await weird.get("a"))).toBe("1");
        expect(await raw.exists("we*ird?[pre]\\fix:a", "weZZirdXpfix:c")).toBe(2);
        await weird.delete(["a", "b*?[x]\\"]);
        expect(await sibling.keys("")).toHaveLength(2);
      });
    });

    describe("SCAN", () => {
      it("lists all of 10,000 keys exactly once, also while the keyspace grows", async () => {
        const store = await open("scan:many:");
        const keys = Array.from({ length: 10_000 }, (_, i) => `k${i}`);
        await store.mset(keys.map((key) => ({ key, value: bytes(key), ttlMs: 120_000 })));
        // Concurrent inserts make the server's hash table rehash mid-scan, which is when SCAN
        // returns keys twice; every key present throughout must still be listed.
        const noise = await open("scan:noise:");
        const growing = noise.mset(
          Array.from({ length: 20_000 }, (_, i) => ({ key: `n${i}`, value: bytes("n"), ttlMs: 120_000 })),
        );
        const listed = await store.keys("");
        await growing;
        expect(listed).toHaveLength(10_000);
        expect(new Set(listed)).toEqual(new Set(keys));
        const some = await store.keys("k99");
        expect(some.sort()).toEqual(keys.filter((key) => key.startsWith("k99")).sort());
        expect(some).toHaveLength(111);
        await store.delete(keys);
        await noise.delete(await noise.keys(""));
        expect(await store.keys("")).toEqual([]);
      });
    });

    describe("TTL on the wire", () => {
      it("rounds PX up to whole milliseconds and never sends PX 0", async () => {
        const monitor = await rawClient(server()).monitor();
        const seen: string[][] = [];
        monitor.on("monitor", (_time: string, args: string[]) => {
          if (args.some((arg) => arg.startsWith("ttl:round:"))) seen.push(args.map((a) => a.toLowerCase()));
        });
        try {
          const store = await open("ttl:round:");
          await store.set("sub", bytes("v"), 0.4);
          await store.set("frac", bytes("v"), 1000.2);
          await store.set("xx", bytes("v"), 0.001, { onlyIfExists: true });
          await store.mset([{ key: "m", value: bytes("v"), ttlMs: 2.5 }]);
          await store.set("live", bytes("v"), 60_000);
          await store.expire(["live"], 0.3);
          await eventually(async () => expect(seen.length).toBeGreaterThanOrEqual(6), { withinMs: 10_000 });
        } finally {
          monitor.disconnect();
        }
        const px = (key: string) => seen.find((args) => args[1] === key)?.slice(3);
        expect(px("ttl:round:sub")).toEqual(["px", "1"]);
        expect(px("ttl:round:frac")).toEqual(["px", "1001"]);
        expect(px("ttl:round:xx")).toEqual(["px", "1", "xx"]);
        expect(px("ttl:round:m")).toEqual(["px", "3"]);
        expect(seen.find((args) => args[0] === "pexpire")).toEqual(["pexpire", "ttl:round:live", "1"]);
        expect(seen.some((args) => args.includes("0") && args.includes("px"))).toBe(false);
      });

      it("gives a key the PTTL asked for", async () => {
        const store = await open("ttl:pttl:");
        // The PTTL a read sees is the TTL less the time since the server applied the write: at
        // most the time from issuing the write to the read's reply, however slow the machine.
        const set = performance.now();
        await store.set("k", bytes("v"), 50_000.1);
        const pttl = await raw.pttl("ttl:pttl:k");
        expect(pttl).toBeGreaterThanOrEqual(50_000 - Math.ceil(performance.now() - set));
        expect(pttl).toBeLessThanOrEqual(50_001);
        const expired = performance.now();
        await store.expire(["k", "missing"], 70_000);
        expect(await raw.pttl("ttl:pttl:k")).toBeGreaterThanOrEqual(
          70_000 - Math.ceil(performance.now() - expired),
        );
        expect(await raw.exists("ttl:pttl:missing")).toBe(0);
      });
    });

    describe("replies", () => {
      it("reports a foreign value of another type as ERR_STORE_PROTOCOL", async () => {
        const store = await open("wrongtype:");
        await raw.lpush("wrongtype:list", "x");
        const { error } = await rejection(() => store.get("list"));
        expect(codeOf(error)).toBe(ErrorCode.STORE_PROTOCOL);
        expect((error as Error).cause).toBeInstanceOf(Error);
        // MGET answers nil for a key of another type rather than failing the whole batch.
        expect(await store.mget(["list"])).toEqual([null]);
        // SET replaces a value of any type: the foreign list is overwritten.
        await store.set("list", bytes("v"), 60_000);
        expect(text(await store.get("list"))).toBe("v");
      });
    });
  });
});
