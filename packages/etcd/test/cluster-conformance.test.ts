import { CONFORMANCE_OPERATION_TIMEOUT_MS } from "@sessionkv/conformance";
import { describeConformance } from "@sessionkv/conformance/vitest";
import { defaultImage, requireContainers, startBackend } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import { EtcdSessionKVStore } from "../src/index.js";

// The whole suite on a 3-member cluster (the `etcd-cluster` fixture), each store's client given
// every member: transactions, claims included, are decided by raft across members, and each
// store's calls may land on any of them.
const gate = await requireContainers();

const cluster = {
  name: "etcd-cluster (3 members)",
  start: () => startBackend("etcd-cluster", { image: defaultImage("etcd-cluster") }),
};

forEachTarget([cluster], { run: gate.run }, ({ server }) => {
  describeConformance("conformance on a 3-member cluster", {
    createStore: ({ namespace }) =>
      new EtcdSessionKVStore({
        hosts: server().ports.map((port) => `http://127.0.0.1:${port}`),
        keyPrefix: `test:${namespace}:`,
        operationTimeoutMs: CONFORMANCE_OPERATION_TIMEOUT_MS,
      }),
  });
});
