import { fileURLToPath } from "node:url";
import { dynamodbTargets, requireContainers } from "@sessionkv/test-kit";
import { forEachTarget, itRacesSeatsAcrossProcesses } from "@sessionkv/test-kit/vitest";
import { describe } from "vitest";
import { clientConfigFor, storeFor, uniqueTableName } from "./helpers.js";

// Child processes import the built package, as an application would; the table is made here once.
const gate = await requireContainers();
const modulePath = fileURLToPath(new URL("../dist/index.js", import.meta.url));

describe("seats across node processes (core README, Seats)", () => {
  forEachTarget(dynamodbTargets().slice(0, 1), { run: gate.run }, ({ server, track }) => {
    itRacesSeatsAcrossProcesses({
      label: "dynamodb",
      store: async () => {
        const tableName = uniqueTableName("fleet");
        const creator = track(
          storeFor(server(), { tableName, createTable: true, operationTimeoutMs: 30_000 }),
        );
        await creator.start();
        return {
          modulePath,
          exportName: "DynamoDBSessionKVStore",
          options: { tableName, operationTimeoutMs: 10_000, clientConfig: clientConfigFor(server()) },
        };
      },
    });
  });
});
