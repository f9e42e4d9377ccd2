import { CONFORMANCE_OPERATION_TIMEOUT_MS } from "@sessionkv/conformance";
import { memcachedTargets, requireContainers } from "@sessionkv/test-kit";
import { describeBackend } from "@sessionkv/test-kit/vitest";
import { MemcachedSessionKVStore } from "../src/index.js";
import { poolOf } from "./targets.js";

const gate = await requireContainers();

// The whole contract (registry scenarios included) against each Memcached version of the matrix…
describeBackend("conformance", memcachedTargets(), {
  run: gate.run,
  createStore: (server, { namespace }) =>
    new MemcachedSessionKVStore({
      servers: server.endpoint,
      keyPrefix: `test:${namespace}:`,
      operationTimeoutMs: CONFORMANCE_OPERATION_TIMEOUT_MS,
    }),
});

// …and against a pool of two servers, where memjs shards data and index items between them.
describeBackend("conformance", [poolOf(2)], {
  run: gate.run,
  createStore: (pool, { namespace }) =>
    new MemcachedSessionKVStore({
      servers: pool.servers.map((s) => s.endpoint),
      keyPrefix: `pool:${namespace}:`,
      operationTimeoutMs: CONFORMANCE_OPERATION_TIMEOUT_MS,
    }),
});
