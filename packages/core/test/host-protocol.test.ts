import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode, type HostProtocol, SessionRegistry, silentLogger } from "../src/index.js";
import { ReferenceStore } from "./support/reference-store.js";

// The host protocol is a view of the registry: its store, records and lifecycle, not a second copy.
const opened: ReferenceStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

function registryOn(): SessionRegistry {
  const store = new ReferenceStore();
  opened.push(store);
  return new SessionRegistry({ store, nodeId: "A", ttlMs: 60_000, logger: silentLogger });
}

const calls: Record<keyof HostProtocol, (protocol: HostProtocol) => Promise<unknown>> = {
  poll: (p) => p.poll(new Map([["s", "c"]])),
  readCloseRequests: (p) => p.readCloseRequests(new Map([["s", "c"]])),
  publish: (p) => p.publish([]),
  removeMany: (p) => p.removeMany(new Map([["s", "c"]])),
  removeOwned: (p) => p.removeOwned([]),
  removeNode: (p) => p.removeNode(),
};

describe("registry.hostProtocol", () => {
  it("shares the registry's lifecycle, and its errors name SessionRegistry", async () => {
    const registry = registryOn();
    for (const [name, call] of Object.entries(calls)) {
      await expect(call(registry.hostProtocol)).rejects.toMatchObject({
        code: ErrorCode.NOT_RUNNING,
        message: `SessionRegistry.${name}() called before start() completed`,
      });
    }
    await registry.start();
    for (const call of Object.values(calls)) await call(registry.hostProtocol);
    await registry.stop();
    for (const [name, call] of Object.entries(calls)) {
      await expect(call(registry.hostProtocol)).rejects.toMatchObject({
        code: ErrorCode.NOT_RUNNING,
        message: `SessionRegistry.${name}() called after stop()`,
      });
    }
  });

  it("answers as the registry's own poll, publish, removeMany and removeOwned do, on one store", async () => {
    const registry = registryOn();
    await registry.start();
    const startedAt = Date.now();
    await registry.publish([{ callId: "c", sessionId: "s", startedAt, metrics: { a: 1 }, previous: null }]);
    const polled = await registry.hostProtocol.poll(new Map([["s", "c"]]));
    expect(polled.records.get("s")?.info).toMatchObject({ nodeId: "A", metrics: { a: 1 } });
    expect(await registry.poll(new Map([["s", "c"]]))).toEqual(polled);
    await registry.requestClose("c", "s");
    expect((await registry.poll(new Map([["s", "c"]]))).closeRequested).toEqual(["s"]);
    await registry.removeOwned([{ callId: "c", sessionId: "s", startedAt }]);
    expect(await registry.hostProtocol.poll(new Map([["s", "c"]]))).toEqual({
      records: new Map([["s", null]]),
      closeRequested: [],
    });
    await registry.register("c", "t");
    await registry.removeMany(new Map([["t", "c"]]));
    expect(await registry.get("c", "t")).toBeNull();
  });
});
