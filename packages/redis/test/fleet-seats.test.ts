import { fileURLToPath } from "node:url";
import { redisTargets, requireContainers } from "@sessionkv/test-kit";
import { forEachTarget, itRacesSeatsAcrossProcesses } from "@sessionkv/test-kit/vitest";
import { describe } from "vitest";
import { urlOf } from "./helpers.js";

// Child processes import the built package, as an application would.
const gate = await requireContainers();
const modulePath = fileURLToPath(new URL("../dist/index.js", import.meta.url));

describe("seats across node processes (core README, Seats)", () => {
  forEachTarget(redisTargets().slice(0, 1), { run: gate.run }, ({ server }) => {
    itRacesSeatsAcrossProcesses({
      label: "redis",
      store: () => ({
        modulePath,
        exportName: "RedisSessionKVStore",
        options: { url: urlOf(server()), keyPrefix: `fleet-${process.pid}:` },
      }),
    });
  });
});
