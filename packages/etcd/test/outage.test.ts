import { etcdTargets, requireContainers } from "@sessionkv/test-kit";
import { describeOutageScenarios } from "@sessionkv/test-kit/vitest";
import { EtcdSessionKVStore } from "../src/index.js";
import { hostsOf, rawClient } from "./helpers.js";

// The server goes silent (paused), restarts, dies or is not there under a running store: every
// operation settles with ERR_STORE_UNAVAILABLE within its deadline (whatever the client's fault
// handling does), and the store works again once the server is back, without being recreated.
const gate = await requireContainers();

describeOutageScenarios("server outages", etcdTargets(), {
  run: gate.run,
  createStore: (server, settings) => new EtcdSessionKVStore({ hosts: hostsOf(server), ...settings }),
  // A caller's etcd3 client: the store must not close it.
  createStoreWithClient: (server, settings, defer) => {
    const client = rawClient(server);
    defer(() => client.close());
    return new EtcdSessionKVStore({ client, ...settings });
  },
  // etcd persists both data and leases across a restart.
  restartKeepsData: true,
});
