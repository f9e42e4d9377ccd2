import { etcdTargets, requireContainers } from "@sessionkv/test-kit";
import { describeBackend } from "@sessionkv/test-kit/vitest";
import { EtcdSessionKVStore } from "../src/index.js";
import { hostsOf } from "./helpers.js";

// The whole suite again with heartbeatLeases: whole-second expire TTLs go through kept leases
// and keepalives; the store declares the expiry lag that costs (README, heartbeatLeases).
const gate = await requireContainers();

describeBackend("conformance, heartbeatLeases", etcdTargets(), {
  run: gate.run,
  createStore: (server, { namespace }) =>
    new EtcdSessionKVStore({
      hosts: hostsOf(server),
      keyPrefix: `test:${namespace}:`,
      heartbeatLeases: true,
    }),
});
