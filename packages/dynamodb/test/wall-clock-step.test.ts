import { CONFORMANCE_OPERATION_TIMEOUT_MS } from "@sessionkv/conformance";
import { readAcrossWallClockStep, text } from "@sessionkv/conformance/testing";
import { dynamodbTargets, requireContainers } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import { describe, expect, it } from "vitest";
import { storeFor, uniqueTableName } from "./helpers.js";

// A step of this process's wall clock (NTP, a VM clock correction) between a write and a read
// must not make the record look expired early (core README, "Clocks and expiry").
const gate = await requireContainers();

describe("wall-clock step", () => {
  forEachTarget(dynamodbTargets().slice(0, 1), { run: gate.run }, ({ server, track }) => {
    it("Date.now +400 ms between set and a get at 85 % of a 2000 ms TTL: still live", async (context) => {
      const store = track(
        storeFor(server(), {
          tableName: uniqueTableName("step"),
          createTable: true,
          operationTimeoutMs: CONFORMANCE_OPERATION_TIMEOUT_MS,
        }),
      );
      await store.start();
      const read = await readAcrossWallClockStep(store);
      if (!read.provable) return context.skip("the machine stalled past the TTL in every attempt");
      expect(text(read.value)).toBe("live");
    });
  });
});
