import { bytes, codeOf, eventually, rejection, text } from "@sessionkv/conformance/testing";
import { ErrorCode } from "@sessionkv/core";
import { redisTargets, requireContainers } from "@sessionkv/test-kit";
import { describeOutageScenarios, forEachTarget } from "@sessionkv/test-kit/vitest";
import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { RedisSessionKVStore } from "../src/index.js";
import { rawClient, urlOf } from "./helpers.js";

// The server goes silent (paused), dies (stopped), restarts or is not there under a store: every
// operation settles with ERR_STORE_UNAVAILABLE within its deadline, nothing piles up in the
// client, and the store works again once the server is back, without being recreated.
const gate = await requireContainers();

const TIMEOUT_MS = 1_000;
/** Generous: the claim is "settles, does not hang"; precise timings belong in benchmarks. */
const SETTLED_WITHIN_MS = TIMEOUT_MS + 2_000;

describeOutageScenarios("server outages", redisTargets(), {
  run: gate.run,
  operationTimeoutMs: TIMEOUT_MS,
  createStore: (server, settings) => new RedisSessionKVStore({ url: urlOf(server), ...settings }),
  // A caller's client with ioredis defaults: offline queue on, 20 retries per command.
  createStoreWithClient: async (server, settings, defer) => {
    const client = rawClient(server);
    defer(() => client.disconnect());
    await client.connect();
    return new RedisSessionKVStore({ client, ...settings });
  },
  // The store's own client is known to be disconnected: the driver's error must be the cause.
  driverCauseWhen: { stopped: true },
  // No persistence: a restart loses the data; the store must simply work again.
  restartKeepsData: false,
  // Every call settled, none is parked in ioredis' queue for later.
  afterRecovery: (store) =>
    expect(((store as RedisSessionKVStore).client as Redis).commandQueue.length).toBe(0),
});

describe("server outages at start()", () => {
  forEachTarget(redisTargets(), { run: gate.run }, ({ server, track }) => {
    it("start() against a silent server rejects in time, leaves no listeners behind, and succeeds later", async () => {
      await server().pause();
      const store = track(
        new RedisSessionKVStore({ url: urlOf(server()), keyPrefix: "late:", operationTimeoutMs: TIMEOUT_MS }),
      );
      const listeners: number[] = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        const { error, ms } = await rejection(() => store.start());
        expect(codeOf(error)).toBe(ErrorCode.STORE_UNAVAILABLE);
        expect(ms).toBeLessThanOrEqual(SETTLED_WITHIN_MS);
        listeners.push(store.client.listenerCount("ready") + store.client.listenerCount("error"));
      }
      // ioredis keeps its own listeners; each failed start must leave none of the store's.
      expect(new Set(listeners).size).toBe(1);
      await server().unpause();
      await eventually(() => store.start());
      await store.set("k", bytes("v"), 60_000);
      expect(text(await store.get("k"))).toBe("v");
    });
  });
});
