import { type StartedServer, dynamodbTargets, requireContainers } from "@sessionkv/conformance/containers";
import { describeConformance } from "@sessionkv/conformance/vitest";
import { afterAll, beforeAll, describe } from "vitest";
import { storeFor, uniqueTableName } from "./helpers.js";

const gate = await requireContainers();

for (const target of dynamodbTargets()) {
  describe.skipIf(!gate.run)(target.name, () => {
    let server: StartedServer | undefined;
    // One table for the whole suite: every case's store gets its own namespace (keyPrefix),
    // which is exactly the isolation the suite checks.
    const tableName = uniqueTableName("conformance");
    beforeAll(async () => {
      server = await target.start();
      const creator = storeFor(server, { tableName, createTable: true, operationTimeoutMs: 30_000 });
      await creator.start();
      await creator.close();
    });
    afterAll(() => server?.stop());

    describeConformance("conformance", {
      createStore: ({ namespace }) => storeFor(server!, { tableName, keyPrefix: `test:${namespace}:` }),
    });
  });
}
