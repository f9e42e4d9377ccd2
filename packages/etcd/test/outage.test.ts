import { type StartedServer, etcdTargets, requireContainers } from "@sessionkv/conformance/containers";
import { ErrorCode, type SessionKVStore } from "@sessionkv/core";
import { afterEach, describe, expect, it } from "vitest";
import { EtcdSessionKVStore } from "../src/index.js";
import { bytes, codeOf, eventually, hostsOf, rawClient, rejection, text } from "./helpers.js";

// The server goes silent (paused), restarts or dies under a running store: every operation
// settles with ERR_STORE_UNAVAILABLE within its deadline (etcd3's retries and circuit breaker
// included), and the store works again once the server is back, without being recreated.
const gate = await requireContainers();

const TIMEOUT_MS = 1_000;
/** Generous: the claim is "settles, does not hang"; precise timings belong in benchmarks. */
const SETTLED_WITHIN_MS = TIMEOUT_MS + 2_000;

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

async function expectAllUnavailable(store: SessionKVStore): Promise<void> {
  const outcomes = await Promise.all(everyOperation(store).map((op) => rejection(op)));
  for (const { error, ms } of outcomes) {
    expect(codeOf(error)).toBe(ErrorCode.STORE_UNAVAILABLE);
    expect(ms).toBeLessThanOrEqual(SETTLED_WITHIN_MS);
  }
}

describe.skipIf(!gate.run)("server outages", () => {
  for (const target of etcdTargets()) {
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
      const storeOn = async (server: StartedServer, prefix: string): Promise<EtcdSessionKVStore> => {
        const store = new EtcdSessionKVStore({
          hosts: hostsOf(server),
          keyPrefix: prefix,
          operationTimeoutMs: TIMEOUT_MS,
        });
        cleanup.push(() => store.close());
        await store.start();
        return store;
      };

      it("a silent (paused) server: operations reject in time, a burst does not pile up, the store recovers", async () => {
        const server = await serve();
        const store = await storeOn(server, "pause:");
        await store.set("kept", bytes("before"), 120_000);

        await server.pause();
        await expectAllUnavailable(store);
        const burst = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => store.get(`burst${i}`)));
        expect(
          burst.every((r) => r.status === "rejected" && codeOf(r.reason) === ErrorCode.STORE_UNAVAILABLE),
        ).toBe(true);
        await server.unpause();

        expect(text(await eventually(() => store.get("kept")))).toBe("before");
        await store.set("after", bytes("x"), 60_000);
        expect(text(await store.get("after"))).toBe("x");
      });

      it("a restarted server: the store reconnects by itself, data and leases survive (etcd persists both)", async () => {
        const server = await serve();
        const store = await storeOn(server, "restart:");
        await store.set("k", bytes("v"), 60_000);
        await server.restart();
        await eventually(() => store.set("k2", bytes("v2"), 60_000));
        expect(text(await store.get("k2"))).toBe("v2");
        expect(text(await store.get("k"))).toBe("v");
        await store.expire(["k"], 60_000);
        expect(text(await store.get("k"))).toBe("v");
      });

      it("a dead (stopped) server: operations reject with ERR_STORE_UNAVAILABLE in time, for a created and a given client", async () => {
        const server = await serve();
        const owned = await storeOn(server, "dead:");
        const client = rawClient(server);
        cleanup.push(() => client.close());
        const given = new EtcdSessionKVStore({
          client,
          keyPrefix: "dead:given:",
          operationTimeoutMs: TIMEOUT_MS,
        });
        cleanup.push(() => given.close());
        await given.start();

        await server.stop();
        await expectAllUnavailable(owned);
        await expectAllUnavailable(given);
        // The driver's error is the cause when the call failed before the deadline.
        const { error } = await rejection(() => owned.get("k"));
        expect(codeOf(error)).toBe(ErrorCode.STORE_UNAVAILABLE);
      });

      it("start() against a server that is not there rejects in time", async () => {
        const server = await serve();
        const hosts = hostsOf(server);
        await server.stop();
        const store = new EtcdSessionKVStore({ hosts, keyPrefix: "never:", operationTimeoutMs: TIMEOUT_MS });
        cleanup.push(() => store.close());
        const { error, ms } = await rejection(() => store.start());
        expect(codeOf(error)).toBe(ErrorCode.STORE_UNAVAILABLE);
        expect(ms).toBeLessThanOrEqual(SETTLED_WITHIN_MS);
      });
    });
  }
});
