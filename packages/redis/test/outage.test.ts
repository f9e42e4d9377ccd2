import { type StartedServer, redisTargets, requireContainers } from "@sessionkv/conformance/containers";
import { ErrorCode, type SessionKVStore } from "@sessionkv/core";
import type { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { RedisSessionKVStore } from "../src/index.js";
import { bytes, codeOf, eventually, rawClient, rejection, text, urlOf } from "./helpers.js";

// The server goes silent (paused), dies (stopped) or restarts under a running store: every
// operation settles with ERR_STORE_UNAVAILABLE within its deadline, nothing piles up in the
// client, and the store works again once the server is back, without being recreated.
const gate = await requireContainers();

const TIMEOUT_MS = 1_000;
/** Generous: the claim is "settles, does not hang"; precise timings belong in benchmarks. */
const SETTLED_WITHIN_MS = TIMEOUT_MS + 2_000;

/** One of each operation, all at once. */
function everyOperation(store: SessionKVStore): (() => Promise<unknown>)[] {
  return [
    () => store.set("k", bytes("v"), 60_000),
    () => store.set("k", bytes("v"), 60_000, { onlyIfExists: true }),
    () =>
      store.mset([
        { key: "a", value: bytes("1"), ttlMs: 60_000 },
        { key: "b", value: bytes("2"), ttlMs: 60_000 },
      ]),
    () => store.get("k"),
    () => store.mget(["a", "b"]),
    () => store.expire(["a", "b"], 60_000),
    () => store.keys(""),
    () => store.delete(["a"]),
  ];
}

/** `driverCause`: the connection is known to be gone, so the driver's error must be the cause (a deadline has none). */
async function expectAllUnavailable(store: SessionKVStore, driverCause: boolean): Promise<void> {
  const outcomes = await Promise.all(everyOperation(store).map((op) => rejection(op)));
  for (const { error, ms } of outcomes) {
    expect(codeOf(error)).toBe(ErrorCode.STORE_UNAVAILABLE);
    if (driverCause) expect((error as Error).cause).toBeInstanceOf(Error);
    expect(ms).toBeLessThanOrEqual(SETTLED_WITHIN_MS);
  }
}

describe.skipIf(!gate.run)("server outages", () => {
  for (const target of redisTargets()) {
    describe(target.name, () => {
      const cleanup: (() => Promise<unknown> | unknown)[] = [];
      afterEach(async () => {
        for (const step of cleanup.splice(0).reverse()) await step();
      });
      const serve = async (): Promise<StartedServer> => {
        const server = await target.start();
        cleanup.push(() => server.stop());
        return server;
      };
      const storeOn = async (server: StartedServer, prefix: string): Promise<RedisSessionKVStore> => {
        const store = new RedisSessionKVStore({
          url: urlOf(server),
          keyPrefix: prefix,
          operationTimeoutMs: TIMEOUT_MS,
        });
        cleanup.push(() => store.close());
        await store.start();
        return store;
      };

      it("a silent (paused) server: operations reject in time, nothing queues, the store recovers", async () => {
        const server = await serve();
        const store = await storeOn(server, "pause:");
        await store.set("kept", bytes("before"), 120_000);

        await server.pause();
        await expectAllUnavailable(store, false);
        // A burst while the server is silent: every call settles, none is parked for later.
        const burst = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => store.get(`burst${i}`)));
        expect(
          burst.every((r) => r.status === "rejected" && codeOf(r.reason) === ErrorCode.STORE_UNAVAILABLE),
        ).toBe(true);
        await server.unpause();

        expect(text(await eventually(() => store.get("kept")))).toBe("before");
        await store.set("after", bytes("x"), 60_000);
        expect(text(await store.get("after"))).toBe("x");
        expect((store.client as Redis).commandQueue.length).toBe(0);
      });

      it("start() against a silent server rejects in time, leaves no listeners behind, and succeeds later", async () => {
        const server = await serve();
        await server.pause();
        const store = new RedisSessionKVStore({
          url: urlOf(server),
          keyPrefix: "late:",
          operationTimeoutMs: TIMEOUT_MS,
        });
        cleanup.push(() => store.close());
        const listeners: number[] = [];
        for (let attempt = 0; attempt < 3; attempt++) {
          const { error, ms } = await rejection(() => store.start());
          expect(codeOf(error)).toBe(ErrorCode.STORE_UNAVAILABLE);
          expect(ms).toBeLessThanOrEqual(SETTLED_WITHIN_MS);
          listeners.push(store.client.listenerCount("ready") + store.client.listenerCount("error"));
        }
        // ioredis keeps its own listeners; each failed start must leave none of the store's.
        expect(new Set(listeners).size).toBe(1);
        await server.unpause();
        await eventually(() => store.start());
        await store.set("k", bytes("v"), 60_000);
        expect(text(await store.get("k"))).toBe("v");
      });

      it("a restarted server: the store reconnects by itself", async () => {
        const server = await serve();
        const store = await storeOn(server, "restart:");
        await store.set("k", bytes("v"), 60_000);
        await server.restart();
        // The restart lost the data (no persistence); the store must simply work again.
        await eventually(() => store.set("k2", bytes("v2"), 60_000));
        expect(text(await store.get("k2"))).toBe("v2");
        expect(await store.get("k")).toBeNull();
      });

      it("a dead (stopped) server: operations reject in time, for a created and for a given client", async () => {
        const server = await serve();
        const owned = await storeOn(server, "dead:");
        // A caller's client with ioredis defaults: offline queue on, 20 retries per command.
        const client = rawClient(server);
        cleanup.push(() => client.disconnect());
        await client.connect();
        const given = new RedisSessionKVStore({
          client,
          keyPrefix: "dead:given:",
          operationTimeoutMs: TIMEOUT_MS,
        });
        cleanup.push(() => given.close());
        await given.start();

        await server.stop();
        await expectAllUnavailable(owned, true);
        await expectAllUnavailable(given, false);
      });
    });
  }
});
