import { afterEach, describe, expect, it } from "vitest";
import { RemovalFence, type RemovedSession } from "../src/host/removal-fence.js";
import { ErrorCode, SessionKVError, SessionRegistry, sessionKey } from "../src/index.js";
import { type StoreOperation, interceptStore, recordingLogger, waitFor } from "../src/testing/index.js";
import { deferred } from "./support/deferred.js";
import { ReferenceStore } from "./support/reference-store.js";

// The fence over a real registry and store; the interceptor holds or fails chosen store calls.
const stores: ReferenceStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

const unavailable = () => new SessionKVError(ErrorCode.STORE_UNAVAILABLE, "store unreachable (simulated)");

async function setup(options: { hosted?: Set<string> } = {}) {
  const inner = new ReferenceStore();
  stores.push(inner);
  const calls: StoreOperation[] = [];
  const holds = new Map<StoreOperation, Promise<void>>();
  let failing: StoreOperation | undefined;
  const store = interceptStore(inner, async (operation) => {
    calls.push(operation);
    await holds.get(operation);
    if (operation === failing) throw unavailable();
  });
  const registry = new SessionRegistry({ store, nodeId: "A", ttlMs: 60_000, logger: recordingLogger() });
  await registry.start();
  const logger = recordingLogger();
  const hosted = options.hosted ?? new Set<string>();
  const fence = new RemovalFence(registry.hostProtocol, logger, (id) => hosted.has(id));
  const register = async (sessionId: string): Promise<RemovedSession> => {
    const startedAt = Date.now();
    await registry.register("c", sessionId, { startedAt });
    return { callId: "c", sessionId, startedAt, registering: Promise.resolve() };
  };
  const exists = async (sessionId: string) => (await inner.get(sessionKey("c", sessionId))) !== null;
  return {
    registry,
    fence,
    logger,
    calls,
    register,
    exists,
    hold(operation: StoreOperation): () => void {
      const { promise, resolve } = deferred();
      holds.set(operation, promise);
      return () => {
        holds.delete(operation);
        resolve();
      };
    },
    fail(operation: StoreOperation | undefined) {
      failing = operation;
    },
  };
}

const keysOf = (...ids: string[]) => new Map(ids.map((id) => [id, "c"]));

describe("RemovalFence", () => {
  it("orders a delete after a cycle write in flight, also one asked for from inside the write call", async () => {
    const { registry, fence, calls, register, exists, hold } = await setup();
    const session = await register("s");
    calls.length = 0;
    const release = hold("setIfAbsent");
    let removing: Promise<void> | undefined;
    const writing = fence.write(() => {
      // Asked for from inside the write call, before the store has seen it. A fresh record
      // (previous: null) is written as a claim, with setIfAbsent.
      removing = fence.remove([session], keysOf("s"));
      return registry.hostProtocol.publish([
        { callId: "c", sessionId: "s", startedAt: session.startedAt, metrics: { a: 1 }, previous: null },
      ]);
    });
    await waitFor(() => calls.includes("setIfAbsent"), 2_000, "the write reached the store");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls, "the delete waits while the write is held").toEqual(["setIfAbsent"]);
    release();
    await writing;
    await removing;
    // The claim is lost (the record is there), and the read that tells another writer's record
    // from an unreadable one belongs to the same write: the delete still comes after both.
    expect(calls).toEqual(["setIfAbsent", "get", "delete"]);
    expect(await exists("s")).toBe(false);
  });

  it("orders a delete after the session's registration", async () => {
    const { fence, calls, register, exists } = await setup();
    const session = await register("s");
    const { promise: registering, resolve: registered } = deferred();
    calls.length = 0;
    const removing = fence.remove([{ ...session, registering }], keysOf("s"));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls).toEqual([]);
    registered();
    await removing;
    expect(calls).toEqual(["delete"]);
    expect(await exists("s")).toBe(false);
  });

  it("a write that fails still releases the deletes waiting for it", async () => {
    const { fence, register, exists } = await setup();
    const session = await register("s");
    const failure = new Error("write failed");
    await expect(fence.write(() => Promise.reject(failure))).rejects.toBe(failure);
    await fence.remove([session], keysOf("s"));
    expect(await exists("s")).toBe(false);
  });

  it("shows a delete in progress by id until it settles, failed or not", async () => {
    const { fence, register, hold, fail } = await setup();
    const session = await register("s");
    const release = hold("delete");
    fail("delete");
    const removing = fence.remove([session], keysOf("s"));
    const inProgress = fence.removalOf("s");
    expect(inProgress).toBeInstanceOf(Promise);
    expect(fence.removalOf("other")).toBeUndefined();
    release();
    await expect(removing).rejects.toMatchObject({ code: ErrorCode.STORE_UNAVAILABLE });
    await expect(inProgress).resolves.toBeUndefined();
    await fence.removalsSettled();
    expect(fence.removalOf("s")).toBeUndefined();
  });

  it("queues a delete that failed for an outage and retries it until it succeeds, then logs it", async () => {
    const { fence, logger, calls, register, exists, fail } = await setup();
    const session = await register("s");
    fail("delete");
    await expect(fence.remove([session], keysOf("s"))).rejects.toMatchObject({
      code: ErrorCode.STORE_UNAVAILABLE,
    });
    expect(fence.failedIds).toEqual(["s"]);
    calls.length = 0;
    fence.retryFailed();
    fence.retryFailed();
    await waitFor(() => logger.errors.length === 1, 2_000, "the failed retry was logged");
    expect(calls, "one retry at a time").toEqual(["mget", "delete"]);
    expect(fence.failedIds).toEqual(["s"]);
    fail(undefined);
    fence.retryFailed();
    await waitFor(() => logger.warnings.length === 1, 2_000, "the retry was logged");
    expect(logger.warnings[0]).toMatch(/removed 1 session\(s\) whose removal had failed/);
    expect(fence.failedIds).toEqual([]);
    expect(await exists("s")).toBe(false);
  });

  it("queues nothing for an error other than an outage, nor for an id hosted again", async () => {
    const hosted = new Set<string>();
    const { fence, register, fail } = await setup({ hosted });
    await expect(
      fence.remove(
        [{ callId: "c", sessionId: "bad/id", startedAt: 0, registering: Promise.resolve() }],
        keysOf("bad/id"),
      ),
    ).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    const again = await register("again");
    hosted.add("again");
    fail("delete");
    await expect(fence.remove([again], keysOf("again"))).rejects.toMatchObject({
      code: ErrorCode.STORE_UNAVAILABLE,
    });
    expect(fence.failedIds).toEqual([]);
  });

  it("a retry spares a session registered again since; dropFailed and abandon forget queued removals", async () => {
    const { registry, fence, register, exists, fail, calls } = await setup();
    const first = await register("s");
    const other = await register("t");
    fail("delete");
    await expect(fence.remove([first, other], keysOf("s", "t"))).rejects.toMatchObject({
      code: ErrorCode.STORE_UNAVAILABLE,
    });
    fail(undefined);
    // Registered again, on this node with a later start: the retry leaves its record.
    await registry.register("c", "s", { startedAt: first.startedAt + 1 });
    fence.retryFailed();
    await waitFor(() => fence.failedIds.length === 0, 2_000, "the retry succeeded");
    expect([await exists("s"), await exists("t")]).toEqual([true, false]);

    const dropped = await register("d");
    const abandoned = await register("x");
    fail("delete");
    await expect(fence.remove([dropped], keysOf("d"))).rejects.toBeInstanceOf(SessionKVError);
    await expect(fence.remove([abandoned], keysOf("x"))).rejects.toBeInstanceOf(SessionKVError);
    fail(undefined);
    fence.dropFailed("d");
    expect(fence.failedIds).toEqual(["x"]);
    await fence.abandon();
    calls.length = 0;
    fence.retryFailed();
    expect(fence.failedIds).toEqual([]);
    expect(calls).toEqual([]);
    expect([await exists("d"), await exists("x")]).toEqual([true, true]);
  });
});
