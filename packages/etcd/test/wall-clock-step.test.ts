import { CONFORMANCE_OPERATION_TIMEOUT_MS } from "@sessionkv/conformance";
import { readAcrossWallClockStep, text } from "@sessionkv/conformance/testing";
import { etcdTargets, requireContainers } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import { describe, expect, it } from "vitest";
import { EtcdSessionKVStore } from "../src/index.js";
import { hostsOf, rawClient } from "./helpers.js";

// A step of this process's wall clock (NTP, a VM clock correction) between a write and a read
// must not make the record look expired early (core README, "Clocks and expiry").
const gate = await requireContainers();

describe("wall-clock step", () => {
  forEachTarget(etcdTargets(), { run: gate.run }, ({ server, track }) => {
    it("Date.now +400 ms between set and a get at 85 % of a 2000 ms TTL: still live, as the server holds it", async (context) => {
      const store = track(
        new EtcdSessionKVStore({
          hosts: hostsOf(server()),
          keyPrefix: "step:",
          operationTimeoutMs: CONFORMANCE_OPERATION_TIMEOUT_MS,
        }),
      );
      await store.start();
      const read = await readAcrossWallClockStep(store);
      if (!read.provable) return context.skip("the machine stalled past the TTL in every attempt");
      expect(text(read.value)).toBe("live");
      const raw = track(rawClient(server()));
      expect(await raw.get(`step:${read.key}`).buffer()).not.toBeNull();
    });
  });
});
