import { CONFORMANCE_OPERATION_TIMEOUT_MS } from "@sessionkv/conformance";
import { etcdTargets, requireContainers } from "@sessionkv/test-kit";
import { describeBackend } from "@sessionkv/test-kit/vitest";
import { EtcdSessionKVStore } from "../src/index.js";
import { hostsOf } from "./helpers.js";

// The whole suite (store contract and registry scenarios) against etcd 3.4 and 3.5 by default,
// or SESSIONKV_IMAGE_ETCD. Every store creates (and closes) its own client.
const gate = await requireContainers();

describeBackend("conformance", etcdTargets(), {
  run: gate.run,
  createStore: (server, { namespace }) =>
    new EtcdSessionKVStore({
      hosts: hostsOf(server),
      keyPrefix: `test:${namespace}:`,
      operationTimeoutMs: CONFORMANCE_OPERATION_TIMEOUT_MS,
    }),
});
