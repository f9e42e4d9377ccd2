import { type StartedServer, requireContainers, startMemcached } from "@sessionkv/conformance/containers";
import { type SessionKVError, isSessionKVError } from "@sessionkv/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemcachedSessionKVStore } from "../src/index.js";

const gate = await requireContainers();
const TIMEOUT_MS = 1_500;
/** Scheduling slack on a loaded two-core machine; the bound checked is the store's own timeout. */
const SLACK_MS = 1_000;
const value = new TextEncoder().encode("v");

async function failure(work: Promise<unknown>): Promise<{ error: SessionKVError; ms: number }> {
  const t0 = performance.now();
  const error = await work.then(
    () => {
      throw new Error("expected the operation to fail");
    },
    (e: unknown) => e,
  );
  if (!isSessionKVError(error)) throw error;
  return { error, ms: performance.now() - t0 };
}

/** Retries until the store works again: bounded, no fixed sleep. */
async function recovered(store: MemcachedSessionKVStore): Promise<number> {
  for (let attempt = 1; attempt <= 20; attempt++) {
    try {
      await store.set("after", value, 60_000);
      return attempt;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error("the store did not recover");
}

describe.skipIf(!gate.run)("server unavailable", () => {
  let server: StartedServer | undefined;
  let store: MemcachedSessionKVStore;
  beforeAll(async () => {
    server = await startMemcached();
    store = new MemcachedSessionKVStore({
      servers: `app:s3cr3t-pw@${server.endpoint}`,
      keyPrefix: "avail:",
      operationTimeoutMs: TIMEOUT_MS,
    });
  });
  afterAll(async () => {
    await store?.close();
    await server?.stop();
  });

  it("server stopped: every operation rejects with ERR_STORE_UNAVAILABLE within the timeout; recovery once it is back", async () => {
    // The credentials make memjs authenticate; this server has no SASL and accepts the session anyway.
    await store.start();
    await store.set("before", value, 60_000);
    const port = server!.port;
    await server!.stop();

    const attempts = [
      store.set("k", value, 60_000),
      store.get("k"),
      store.mget(["a", "b"]),
      store.expire(["before"], 60_000),
      store.keys(""),
      store.delete(["before"]),
      store.set("before", value, 60_000, { onlyIfExists: true }),
    ];
    for (const attempt of attempts) {
      const { error, ms } = await failure(attempt);
      expect(error.code).toBe("ERR_STORE_UNAVAILABLE");
      expect(ms).toBeLessThanOrEqual(TIMEOUT_MS + SLACK_MS);
      expect(error.cause).toBeDefined();
      expect(`${error.message} ${String(error.cause)} ${error.stack}`).not.toContain("s3cr3t-pw");
    }

    server = await startMemcached({ hostPort: port });
    await recovered(store);
    expect(await store.get("after")).not.toBeNull();
  });

  it("server silent (paused): ERR_STORE_UNAVAILABLE within the timeout, then recovery", async () => {
    await store.start();
    await server!.pause();
    try {
      const { error, ms } = await failure(store.get("after"));
      expect(error.code).toBe("ERR_STORE_UNAVAILABLE");
      expect(ms).toBeLessThanOrEqual(TIMEOUT_MS + SLACK_MS);
    } finally {
      await server!.unpause();
    }
    await recovered(store);
  });

  it("server restarted (data lost): the store reconnects by itself", async () => {
    await store.start();
    await server!.restart();
    await recovered(store);
    expect(await store.keys("")).toEqual(["after"]);
  });
});
