import { tracingChannel } from "node:diagnostics_channel";
import type { StoreOperationContext } from "@sessionkv/core";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { RedisSessionKVStore } from "../src/index.js";

// How the store names itself on core's `sessionkv:store:operation` channel (core README,
// "Diagnostics channels"). A failed start is an operation too, so no server is needed: the
// clients below point at a closed port.
const operations = tracingChannel<StoreOperationContext, StoreOperationContext>("sessionkv:store:operation");
const seen: StoreOperationContext[] = [];
const handlers = {
  start: (context: StoreOperationContext) => void seen.push(context),
  end() {},
  asyncStart() {},
  asyncEnd() {},
  error() {},
};
operations.subscribe(handlers);
afterEach(() => {
  seen.length = 0;
});

async function failedStart(store: RedisSessionKVStore): Promise<StoreOperationContext | undefined> {
  await expect(store.start()).rejects.toMatchObject({ code: expect.stringMatching(/^ERR_STORE_/) });
  await store.close();
  return seen.find((c) => c.operation === "start");
}

describe("diagnostics target", () => {
  it("names the server of a standalone client, and its prefix, never its password", async () => {
    const store = new RedisSessionKVStore({
      url: "redis://user:hunter2@127.0.0.1:1",
      keyPrefix: "app:",
      operationTimeoutMs: 500,
    });
    const context = await failedStart(store);
    expect(context).toMatchObject({
      backend: "redis",
      namespace: "app:",
      serverAddress: "127.0.0.1",
      serverPort: 1,
    });
    expect(JSON.stringify(context)).not.toContain("hunter2");
  });

  it("names no server for a Sentinel client, whose master moves", async () => {
    const client = new Redis({
      sentinels: [{ host: "127.0.0.1", port: 1 }],
      name: "mymaster",
      lazyConnect: true,
      sentinelRetryStrategy: () => null,
    });
    client.on("error", () => undefined);
    const store = new RedisSessionKVStore({ client, keyPrefix: "app:", operationTimeoutMs: 500 });
    const context = await failedStart(store);
    client.disconnect();
    expect(context).toMatchObject({ backend: "redis", namespace: "app:" });
    expect(context?.serverAddress).toBeUndefined();
    expect(context?.serverPort).toBeUndefined();
  });
});
