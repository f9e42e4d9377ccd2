import { type StartedServer, redisTargets, requireContainers } from "@sessionkv/conformance/containers";
import { describeConformance } from "@sessionkv/conformance/vitest";
import { afterAll, beforeAll, describe } from "vitest";
import { RedisSessionKVStore } from "../src/index.js";

// The whole suite (store contract and registry scenarios) against every server of the matrix:
// Redis 7.0, Redis 8.0 and Valkey 8.1 by default, or SESSIONKV_IMAGE_REDIS / _VALKEY.
const gate = await requireContainers();

describe.skipIf(!gate.run)("conformance", () => {
  for (const target of redisTargets()) {
    describe(target.name, () => {
      let server: StartedServer | undefined;
      beforeAll(async () => {
        server = await target.start();
      });
      afterAll(() => server?.stop());

      describeConformance("suite", {
        createStore: ({ namespace }) =>
          new RedisSessionKVStore({ url: requireUrl(server), keyPrefix: `test:${namespace}:` }),
      });
    });
  }
});

function requireUrl(server: StartedServer | undefined): string {
  if (server?.url === undefined) throw new Error("the server has not started");
  return server.url;
}
