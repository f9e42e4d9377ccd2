import { describe, expect, it, vi } from "vitest";
import { closeRequestKey } from "../src/index.js";
import { sleep } from "../src/store-kit.js";
import { interceptStore, waitFor } from "../src/testing/index.js";
import { sessionFixtures } from "./support/session-fixtures.js";

// Close flags name the registration they target and live as long as its owner's records.
const { store: openStore, registry, host } = sessionFixtures();

describe("close requests", () => {
  it("a request that lands after its session's removal never closes the session hosted next under that id", async () => {
    const inner = openStore();
    let hold: Promise<void> | undefined;
    // The requester's flag write waits until the owner's removal has reached the store: the
    // losing order of the race, made to happen every round.
    const store = interceptStore(inner, async (operation, keys) => {
      if (operation === "set" && keys[0]?.startsWith("close_requests/")) await hold;
    });
    const owner = host({
      registry: registry({ store: inner, nodeId: "A", ttlMs: 60_000 }),
      maintenanceIntervalMs: 20_000,
    });
    const requester = registry({ store, nodeId: "C", ttlMs: 60_000 });
    await Promise.all([owner.start(), requester.start()]);
    for (let round = 0; round < 20; round++) {
      let closes = 0;
      await owner.add("c", "s", { close: () => void closes++ });
      let removed!: () => void;
      hold = new Promise((resolve) => {
        removed = resolve;
      });
      const request = requester.requestClose("c", "s");
      await sleep(1);
      await owner.remove("c", "s");
      removed();
      await request;
      await owner.add("c", "s", { close: () => void closes++ });
      await owner.runCycle();
      expect(closes, `round ${round}: the new session is not closed by the old request`).toBe(0);
      hold = undefined;
      await requester.requestClose("c", "s");
      await owner.runCycle();
      await waitFor(() => closes === 1, 2_000, `round ${round}: a request for the new session closes it`);
      await waitFor(() => owner.sessions.size === 0, 2_000, `round ${round}: closed session removed`);
    }
  });

  it("a stale request never closes a session hosted again within the same millisecond", async () => {
    const store = openStore();
    const owner = host({
      registry: registry({ store, nodeId: "A", ttlMs: 60_000 }),
      maintenanceIntervalMs: 20_000,
    });
    await owner.start();
    const clock = vi.spyOn(Date, "now").mockReturnValue(Date.now());
    try {
      let closes = 0;
      await owner.add("c", "s", { close: () => void closes++ });
      await owner.registry.requestClose("c", "s");
      const stale = await store.get(closeRequestKey("c", "s"));
      await owner.remove("c", "s");
      await owner.add("c", "s", { close: () => void closes++ });
      // The old request lands now, as when it raced the removal.
      await store.set(closeRequestKey("c", "s"), stale!, 60_000);
      await owner.runCycle();
      expect(closes).toBe(0);
    } finally {
      clock.mockRestore();
    }
  });

  it("reaches an owner whose heartbeat is longer than the requester's TTL", async () => {
    const store = openStore();
    const owner = host({
      registry: registry({ store, nodeId: "B", ttlMs: 60_000 }),
      maintenanceIntervalMs: 20_000,
    });
    const requester = host({
      registry: registry({ store, nodeId: "A", ttlMs: 300 }),
      maintenanceIntervalMs: 100,
    });
    await Promise.all([owner.start(), requester.start()]);
    let closed = false;
    await owner.add("c", "s", {
      close() {
        closed = true;
      },
    });
    await requester.requestClose("c", "s");
    // Past the requester's TTL, before the owner's next cycle.
    await sleep(600);
    await owner.runCycle();
    await waitFor(() => closed, 2_000, "the owner closed the session");
  });

  it("a flag lives as long as its target's record, not as long as the requester's TTL", async () => {
    const store = openStore();
    const owner = host({
      registry: registry({ store, nodeId: "B", ttlMs: 1_000 }),
      maintenanceIntervalMs: 200,
    });
    const requester = registry({ store, nodeId: "A", ttlMs: 60_000 });
    await Promise.all([owner.start(), requester.start()]);
    await owner.add("c", "s", { close() {} });
    // The owner dies: its record expires within its TTL, and the flag with it.
    await owner.abandon();
    expect(await requester.requestClose("c", "s")).toBe(true);
    expect(await store.get(closeRequestKey("c", "s"))).not.toBeNull();
    await waitFor(
      async () => (await store.get(closeRequestKey("c", "s"))) === null,
      1_500,
      "flag gone with the record",
    );
  });

  it("writes no flag for a session without a record, and honours the original's empty flags", async () => {
    const store = openStore();
    const owner = host({
      registry: registry({ store, nodeId: "B", ttlMs: 60_000 }),
      maintenanceIntervalMs: 20_000,
    });
    const requester = registry({ store, nodeId: "A", ttlMs: 60_000 });
    await Promise.all([owner.start(), requester.start()]);
    expect(await requester.requestClose("c", "nobody")).toBe(false);
    expect(await store.keys("")).toEqual(["nodes/live/B"]);
    let closed = false;
    await owner.add("c", "s", {
      close() {
        closed = true;
      },
    });
    // A Python node's request: empty bytes.
    await store.set(closeRequestKey("c", "s"), new Uint8Array(0), 60_000);
    await owner.runCycle();
    await waitFor(() => closed, 2_000, "the original's flag honoured");
    await waitFor(
      async () => (await store.keys("")).join() === "nodes/live/B",
      2_000,
      "record and flag removed",
    );
  });
});
