import { afterEach, describe, expect, it } from "vitest";
import { SessionRegistry, closeRequestKey, sessionKey } from "../src/index.js";
import { interceptStore, recordingLogger } from "../src/testing/index.js";
import { ReferenceStore } from "./support/reference-store.js";

// README, "SessionRegistry": getAll is every call's sessions in one listing and one read, for
// operators' tools that do not know the call ids.
const stores: ReferenceStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

async function setup() {
  const inner = new ReferenceStore();
  stores.push(inner);
  const calls: string[] = [];
  const store = interceptStore(inner, (operation) => {
    calls.push(operation);
  });
  const logger = recordingLogger();
  const registry = new SessionRegistry({ store, nodeId: "n1", ttlMs: 60_000, logger });
  await registry.start();
  return { inner, registry, calls, logger };
}

describe("SessionRegistry.getAll", () => {
  it("lists every call's sessions ordered by call, start time and id, in one keys and one mget", async () => {
    const { registry, calls } = await setup();
    await registry.register("call-b", "s2", { startedAt: 2_000 });
    await registry.register("call-a", "s9", { startedAt: 3_000 });
    await registry.register("call-b", "s1", { startedAt: 1_000, metrics: { turns: 4 } });
    await registry.register("call-a", "s1", { startedAt: 3_000 });
    await registry.requestClose("call-a", "s1");
    calls.length = 0;
    const all = await registry.getAll();
    expect(all.map((s) => `${s.callId}/${s.sessionId}`)).toEqual([
      "call-a/s1",
      "call-a/s9",
      "call-b/s1",
      "call-b/s2",
    ]);
    expect(all[2]).toMatchObject({ nodeId: "n1", startedAt: 1_000, metrics: { turns: 4 } });
    expect(calls).toEqual(["keys", "mget"]);
  });

  it("answers [] on an empty namespace without reading values", async () => {
    const { registry, calls } = await setup();
    calls.length = 0;
    expect(await registry.getAll()).toEqual([]);
    expect(calls).toEqual(["keys"]);
  });

  it("skips and reports keys with a missing or extra segment and unreadable records; close flags are not sessions", async () => {
    const { inner, registry, logger } = await setup();
    await registry.register("c", "ok");
    const junk = new TextEncoder().encode("not json");
    await inner.set("sessions/c/a/b", junk, 60_000);
    await inner.set("sessions/lonely", junk, 60_000);
    await inner.set(sessionKey("c", "bad"), junk, 60_000);
    await inner.set(closeRequestKey("c", "ok"), junk, 60_000);
    expect((await registry.getAll()).map((s) => s.sessionId)).toEqual(["ok"]);
    expect(logger.warnings).toHaveLength(3);
    expect(logger.warnings.join("\n")).toContain('"sessions/c/a/b"');
    expect(logger.warnings.join("\n")).toContain('"sessions/lonely"');
    expect(logger.warnings.join("\n")).toContain('"sessions/c/bad"');
  });

  it("rejects with ERR_NOT_RUNNING before start and after stop", async () => {
    const { registry } = await setup();
    await registry.stop();
    await expect(registry.getAll()).rejects.toMatchObject({ code: "ERR_NOT_RUNNING" });
  });
});
