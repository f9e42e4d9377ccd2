import { describe, expect, it } from "vitest";
import { ErrorCode, SessionRegistry, closeRequestKey, isSessionKVError, silentLogger } from "../src/index.js";
import { interceptStore } from "../src/testing/index.js";
import { ReferenceStore } from "./support/reference-store.js";

// An id too long for any key this store holds: every call rejects it as register does, before
// any I/O (core README, "Errors"), instead of asking the server about keys that cannot exist.
describe("ids too long for any key", () => {
  async function recorded() {
    const operations: string[] = [];
    const store = new ReferenceStore();
    const registry = new SessionRegistry({
      store: interceptStore(store, (operation) => {
        operations.push(operation);
      }),
      nodeId: "n",
      logger: silentLogger,
    });
    await registry.start();
    // One byte past fitting the shortest session id (one character) in the longest key.
    const room = store.capabilities.maxKeyBytes - closeRequestKey("", "").length;
    return { operations, registry, store, longCall: "c".repeat(room) };
  }

  it("getForCall rejects with ERR_INVALID_ARGUMENT naming callId, and no store operation", async () => {
    const { operations, registry, longCall } = await recorded();
    const error = await registry.getForCall(longCall).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isSessionKVError(error, ErrorCode.INVALID_ARGUMENT)).toBe(true);
    expect((error as Error).message).toMatch(
      /^callId "c{40}…" makes a 1025-byte key with even a one-character sessionId; this store accepts at most 1024$/,
    );
    expect(operations).toEqual([]);
  });

  it("a call id one byte shorter is a real listing (the boundary is the longest key, not a guess)", async () => {
    const { operations, registry, store, longCall } = await recorded();
    await registry.register(longCall.slice(1), "s");
    expect((await registry.getForCall(longCall.slice(1))).map((s) => s.sessionId)).toEqual(["s"]);
    // register is an atomic claim of the record.
    expect(operations).toEqual(["setIfAbsent", "keys", "mget"]);
    await store.close();
  });

  it("the 20,000-character id tried from outside rejects, with no store operation", async () => {
    const { operations, registry } = await recorded();
    await expect(registry.getForCall("x".repeat(20_000))).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
    });
    expect(operations).toEqual([]);
  });
});
