import { fileURLToPath } from "node:url";
import { etcdTargets, requireContainers } from "@sessionkv/test-kit";
import { forEachTarget, itRacesSeatsAcrossProcesses } from "@sessionkv/test-kit/vitest";
import { describe } from "vitest";
import { hostsOf } from "./helpers.js";

// Child processes import the built package, as an application would.
const gate = await requireContainers();
const modulePath = fileURLToPath(new URL("../dist/index.js", import.meta.url));

describe("seats across node processes (core README, Seats)", () => {
  forEachTarget(etcdTargets().slice(0, 1), { run: gate.run }, ({ server }) => {
    itRacesSeatsAcrossProcesses({
      label: "etcd",
      store: () => ({
        modulePath,
        exportName: "EtcdSessionKVStore",
        options: { hosts: hostsOf(server()), keyPrefix: `fleet-${process.pid}/` },
      }),
    });
  });
});
