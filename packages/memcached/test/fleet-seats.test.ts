import { fileURLToPath } from "node:url";
import { memcachedTargets, requireContainers } from "@sessionkv/test-kit";
import { forEachTarget, itRacesSeatsAcrossProcesses } from "@sessionkv/test-kit/vitest";
import { describe } from "vitest";

// Child processes import the built package, as an application would.
const gate = await requireContainers();
const modulePath = fileURLToPath(new URL("../dist/index.js", import.meta.url));

describe("seats across node processes (core README, Seats)", () => {
  forEachTarget(memcachedTargets().slice(0, 1), { run: gate.run }, ({ server }) => {
    itRacesSeatsAcrossProcesses({
      label: "memcached",
      store: () => ({
        modulePath,
        exportName: "MemcachedSessionKVStore",
        options: { servers: `${server().host}:${server().port}`, keyPrefix: `fleet-${process.pid}:` },
      }),
    });
  });
});
