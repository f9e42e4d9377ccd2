import {
  type StartedServer,
  memcachedTargets,
  requireContainers,
  startMemcachedPool,
} from "@sessionkv/conformance/containers";
import { describeConformance } from "@sessionkv/conformance/vitest";
import { afterAll, beforeAll, describe } from "vitest";
import { MemcachedSessionKVStore } from "../src/index.js";

const gate = await requireContainers();

// The whole contract (registry scenarios included) against each Memcached version of the matrix…
for (const target of memcachedTargets()) {
  describe.skipIf(!gate.run)(target.name, () => {
    let server: StartedServer | undefined;
    beforeAll(async () => {
      server = await target.start();
    });
    afterAll(() => server?.stop());
    describeConformance("conformance", {
      createStore: ({ namespace }) =>
        new MemcachedSessionKVStore({ servers: server!.endpoint, keyPrefix: `test:${namespace}:` }),
    });
  });
}

// …and against a pool of two servers, where memjs shards data and index items between them.
describe.skipIf(!gate.run)("memcached two-server pool", () => {
  let servers: StartedServer[] = [];
  beforeAll(async () => {
    servers = await startMemcachedPool(2);
  });
  afterAll(() => Promise.all(servers.map((s) => s.stop())));
  describeConformance("conformance", {
    createStore: ({ namespace }) =>
      new MemcachedSessionKVStore({
        servers: servers.map((s) => s.endpoint),
        keyPrefix: `pool:${namespace}:`,
      }),
  });
});
