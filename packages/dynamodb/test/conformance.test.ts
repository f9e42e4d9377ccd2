import { CONFORMANCE_OPERATION_TIMEOUT_MS } from "@sessionkv/conformance";
import { dynamodbTargets, requireContainers } from "@sessionkv/test-kit";
import { describeBackend } from "@sessionkv/test-kit/vitest";
import { storeFor, uniqueTableName } from "./helpers.js";

const gate = await requireContainers();

// One table for the whole suite: every case's store gets its own namespace (keyPrefix),
// which is exactly the isolation the suite checks.
const tableName = uniqueTableName("conformance");

describeBackend("conformance", dynamodbTargets(), {
  run: gate.run,
  prepare: async (server) => {
    const creator = storeFor(server, { tableName, createTable: true, operationTimeoutMs: 30_000 });
    await creator.start();
    await creator.close();
  },
  createStore: (server, { namespace }) =>
    storeFor(server, {
      tableName,
      keyPrefix: `test:${namespace}:`,
      operationTimeoutMs: CONFORMANCE_OPERATION_TIMEOUT_MS,
    }),
});
