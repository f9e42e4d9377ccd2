import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { ErrorCode } from "@sessionkv/core";
import { dynamodbTargets, requireContainers } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import { beforeAll, describe, expect, it } from "vitest";
import { bytes, clientConfigFor, storeFor, uniqueTableName } from "./helpers.js";
import { countCommands } from "./middleware.js";

const gate = await requireContainers();

describe("table management", () => {
  forEachTarget(dynamodbTargets().slice(0, 1), { run: gate.run }, ({ server, track }) => {
    let raw: DynamoDBClient;

    beforeAll(() => {
      raw = track(new DynamoDBClient(clientConfigFor(server())), (client) => client.destroy());
    });

    it("several stores creating the same new table at once all start, and share it", async () => {
      const tableName = uniqueTableName("race");
      const clients = Array.from({ length: 5 }, () => new DynamoDBClient(clientConfigFor(server())));
      const counts = clients.map(countCommands);
      const stores = clients.map((client) =>
        storeFor(server(), { tableName, client, createTable: true, keyPrefix: "race:" }),
      );
      try {
        await Promise.all(stores.map((s) => s.start()));
        // More than one CreateTable was sent: the race really happened and the losers coped.
        const creates = counts.reduce((n, c) => n + (c.get("CreateTableCommand") ?? 0), 0);
        expect(creates).toBeGreaterThan(1);

        const table = (await raw.send(new DescribeTableCommand({ TableName: tableName }))).Table;
        expect(table?.TableStatus).toBe("ACTIVE");
        expect(table?.BillingModeSummary?.BillingMode ?? "PAY_PER_REQUEST").toBe("PAY_PER_REQUEST");
        const ttl = (await raw.send(new DescribeTimeToLiveCommand({ TableName: tableName })))
          .TimeToLiveDescription;
        expect(ttl?.TimeToLiveStatus).toMatch(/^ENABL(ED|ING)$/);
        expect(ttl?.AttributeName).toBe("ttl");

        await stores[0]!.set("k", bytes(7), 60_000);
        expect(await stores[4]!.get("k")).toEqual(bytes(7));
      } finally {
        await Promise.allSettled(stores.map((s) => s.close()));
        for (const c of clients) c.destroy();
      }
    });

    it("a missing table without createTable fails start() with ERR_STORE_MISCONFIGURED naming it, creating nothing", async () => {
      const tableName = uniqueTableName("missing");
      const store = storeFor(server(), { tableName });
      const error = await store.start().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: ErrorCode.STORE_MISCONFIGURED });
      expect((error as Error).message).toContain(`"${tableName}"`);
      await expect(raw.send(new DescribeTableCommand({ TableName: tableName }))).rejects.toMatchObject({
        name: "ResourceNotFoundException",
      });
      await store.close();
    });

    it("a table with another key schema fails start() with ERR_STORE_MISCONFIGURED", async () => {
      const tableName = uniqueTableName("foreign");
      await raw.send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: "PAY_PER_REQUEST",
          AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
        }),
      );
      for (const createTable of [false, true]) {
        const store = storeFor(server(), { tableName, createTable, operationTimeoutMs: 10_000 });
        const error = await store.start().then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toMatchObject({ code: ErrorCode.STORE_MISCONFIGURED });
        expect((error as Error).message).toMatch(new RegExp(`"${tableName}".*id HASH`));
        await store.close();
      }
    });

    it("an existing table is used as is: no CreateTable, and operations work", async () => {
      const tableName = uniqueTableName("existing");
      const creator = storeFor(server(), { tableName, createTable: true, operationTimeoutMs: 10_000 });
      await creator.start();
      await creator.close();
      const client = new DynamoDBClient(clientConfigFor(server()));
      const counts = countCommands(client);
      const store = storeFor(server(), { tableName, client });
      try {
        await store.start();
        expect(counts.get("CreateTableCommand")).toBeUndefined();
        await store.set("a/b/c", bytes(1), 60_000);
        expect(await store.keys("a/b/")).toEqual(["a/b/c"]);
      } finally {
        await store.close();
        client.destroy();
      }
    });

    it("a table deleted under a running store makes operations fail with ERR_STORE_MISCONFIGURED", async () => {
      const tableName = uniqueTableName("deleted");
      const store = storeFor(server(), { tableName, createTable: true, operationTimeoutMs: 10_000 });
      try {
        await store.start();
        await store.set("k", bytes(1), 60_000);
        await raw.send(new DeleteTableCommand({ TableName: tableName }));
        for (let i = 0; i < 100; i++) {
          const status = await raw.send(new DescribeTableCommand({ TableName: tableName })).then(
            () => "present",
            () => "gone",
          );
          if (status === "gone") break;
          await new Promise((r) => setTimeout(r, 100));
        }
        const error = await store.get("k").then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toMatchObject({ code: ErrorCode.STORE_MISCONFIGURED });
        expect((error as Error).message).toContain(tableName);
      } finally {
        await store.close();
      }
    });
  });
});
