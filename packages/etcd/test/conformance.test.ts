import { type StartedServer, etcdTargets, requireContainers } from "@sessionkv/conformance/containers";
import { describeConformance } from "@sessionkv/conformance/vitest";
import { afterAll, beforeAll, describe } from "vitest";
import { EtcdSessionKVStore } from "../src/index.js";
import { hostsOf } from "./helpers.js";

// The whole suite (store contract and registry scenarios) against etcd 3.4 and 3.5 by default,
// or SESSIONKV_IMAGE_ETCD. Every store creates (and closes) its own client.
const gate = await requireContainers();

describe.skipIf(!gate.run)("conformance", () => {
  for (const target of etcdTargets()) {
    describe(target.name, () => {
      let server: StartedServer | undefined;
      beforeAll(async () => {
        server = await target.start();
      });
      afterAll(() => server?.stop());

      describeConformance("suite", {
        createStore: ({ namespace }) =>
          new EtcdSessionKVStore({ hosts: hostsOf(server), keyPrefix: `test:${namespace}:` }),
      });
    });
  }
});
