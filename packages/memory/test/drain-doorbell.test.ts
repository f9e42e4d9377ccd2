import { SessionHost, SessionRegistry, silentLogger } from "@sessionkv/core";
import { waitFor } from "@sessionkv/core/testing";
import { describe, expect, it } from "vitest";
import { InMemorySessionKVStore } from "../src/index.js";

// Two hosts on one store that pushes, with a maintenance interval far longer than the test: a drain
// that arrives before the owner's next cycle can only have come by its doorbell.
describe("drain by doorbell", () => {
  it("a requested drain reaches the node at once, then add is refused with ERR_DRAINING", async () => {
    const store = new InMemorySessionKVStore();
    const hostOf = (nodeId: string) =>
      new SessionHost({
        registry: new SessionRegistry({ store, nodeId, ttlMs: 1_800_000, logger: silentLogger }),
        maintenanceIntervalMs: 600_000,
        logger: silentLogger,
      });
    const a = hostOf("node-a");
    const b = hostOf("node-b");
    try {
      await a.start();
      await b.start();
      await waitFor(() => a.doorbellSubscribed, 5_000, "node-a subscribed to its doorbell");
      expect(await b.registry.requestDrain("node-a")).toBe(true);
      await waitFor(() => a.draining, 5_000, "node-a draining");
      await expect(a.add("c", "s1", { close: () => undefined })).rejects.toMatchObject({
        code: "ERR_DRAINING",
      });
      expect(b.draining).toBe(false);
    } finally {
      await a.stop();
      await b.stop();
      await store.close();
    }
  });
});
