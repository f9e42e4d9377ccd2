import { CONFORMANCE_OPERATION_TIMEOUT_MS } from "@sessionkv/conformance";
import { type StartedServer, redisTargets, requireContainers } from "@sessionkv/test-kit";
import { describeBackend } from "@sessionkv/test-kit/vitest";
import { RedisSessionKVStore } from "../src/index.js";
import { killSubscriber } from "./helpers.js";

// The whole suite (store contract and registry scenarios) against every server of the matrix:
// Redis 7.0, Redis 8.0 and Valkey 8.1 by default, or SESSIONKV_IMAGE_REDIS / _VALKEY.
const gate = await requireContainers();

describeBackend("conformance", redisTargets(), {
  run: gate.run,
  createStore: (server, { namespace }) =>
    new RedisSessionKVStore({
      url: requireUrl(server),
      keyPrefix: `test:${namespace}:`,
      operationTimeoutMs: CONFORMANCE_OPERATION_TIMEOUT_MS,
    }),
  disconnectSubscriber: killSubscriber,
});

// The listing option's other modes write and list differently (README, "Listing"); one server
// is enough to hold them to the same contract.
for (const listing of ["scan", "index+scan"] as const) {
  describeBackend(`conformance, listing: ${listing}`, redisTargets().slice(0, 1), {
    run: gate.run,
    createStore: (server, { namespace }) =>
      new RedisSessionKVStore({ url: requireUrl(server), keyPrefix: `test:${namespace}:`, listing }),
    disconnectSubscriber: killSubscriber,
  });
}

function requireUrl(server: StartedServer): string {
  if (server.url === undefined) throw new Error("the server has no URL");
  return server.url;
}
