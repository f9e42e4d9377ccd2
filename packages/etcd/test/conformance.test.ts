import { CONFORMANCE_OPERATION_TIMEOUT_MS } from "@sessionkv/conformance";
import { etcdTargets, requireContainers } from "@sessionkv/test-kit";
import { describeBackend } from "@sessionkv/test-kit/vitest";
import { afterAll } from "vitest";
import { EtcdSessionKVStore } from "../src/index.js";
import { proxiedStores } from "./helpers.js";

// The whole suite (store contract and registry scenarios) against etcd 3.4 and 3.5 by default,
// or SESSIONKV_IMAGE_ETCD. Every store creates (and closes) its own client.
const gate = await requireContainers();

// Each store goes through proxies of its own, so that the notification case that kills a
// subscriber's connection cuts exactly that store's watch stream (helpers.ts, proxiedStores).
const proxied = proxiedStores();
afterAll(() => proxied.closeAll());

describeBackend("conformance", etcdTargets(), {
  run: gate.run,
  createStore: async (server, { namespace }) => {
    const { hosts, own } = await proxied.hostsFor(server);
    const store = new EtcdSessionKVStore({
      hosts,
      keyPrefix: `test:${namespace}:`,
      operationTimeoutMs: CONFORMANCE_OPERATION_TIMEOUT_MS,
    });
    own(store);
    return store;
  },
  disconnectSubscriber: (_server, store) => proxied.disconnect(store),
});
