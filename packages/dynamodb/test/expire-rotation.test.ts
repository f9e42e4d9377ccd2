// An `expire` that fails partway (a slow or recovering server) must not starve the same keys
// call after call: each call starts where the previous one stopped, so a heartbeat that keeps
// failing after N keys still refreshes every key in turn (found by pnpm faults, DynamoDB
// stand-in pause: a host's last sessions expired while its first ones were kept).
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { dynamodbTargets, requireContainers } from "@sessionkv/conformance/containers";
import { forEachTarget } from "@sessionkv/conformance/vitest";
import { beforeAll, describe, expect, it } from "vitest";
import { ATTR, itemKey, namespaceTag } from "../src/schema.js";
import { bytes, clientConfigFor, storeFor, uniqueTableName } from "./helpers.js";

const gate = await requireContainers();
const KEYS = Array.from({ length: 30 }, (_, i) => `r/${i}`);
const PER_CALL = 5;

/** Lets `allowance.left` UpdateItem commands through, then fails the rest as a dropped request would. */
function limitUpdates(client: DynamoDBClient): { left: number } {
  const allowance = { left: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if ((context as { commandName?: string }).commandName !== "UpdateItemCommand") return next(args);
      if (allowance.left <= 0)
        throw Object.assign(new Error("injected: no answer"), { name: "TimeoutError" });
      allowance.left--;
      return next(args);
    },
    { step: "initialize", name: "sessionkvTestLimitUpdates" },
  );
  return allowance;
}

describe("expire that fails partway", () => {
  forEachTarget(dynamodbTargets().slice(0, 1), { run: gate.run }, ({ server, track }) => {
    const tableName = uniqueTableName("rotation");
    beforeAll(async () => {
      const creator = storeFor(server(), { tableName, createTable: true, operationTimeoutMs: 30_000 });
      await creator.start();
      await creator.close();
    });

    it("refreshes every key over successive failing calls, not the same first ones", async () => {
      const client = track(new DynamoDBClient(clientConfigFor(server())), (c) => c.destroy());
      const raw = track(new DynamoDBClient(clientConfigFor(server())), (c) => c.destroy());
      const keyPrefix = "rot:";
      const store = track(
        storeFor(server(), { tableName, keyPrefix, client, concurrency: 1, operationTimeoutMs: 30_000 }),
      );
      const allowance = limitUpdates(client);
      await store.start();
      await store.mset(KEYS.map((key) => ({ key, value: bytes(1), ttlMs: 60_000 })));
      const deadline = async (key: string) => {
        const { Item } = await raw.send(
          new GetItemCommand({
            TableName: tableName,
            Key: itemKey(namespaceTag(keyPrefix), key),
            ConsistentRead: true,
          }),
        );
        return Number(Item?.[ATTR.expiresAtMs]?.N);
      };
      const before = await Promise.all(KEYS.map(deadline));

      for (let call = 0; call < KEYS.length / PER_CALL; call++) {
        allowance.left = PER_CALL;
        await expect(store.expire(KEYS, 600_000)).rejects.toThrow();
      }

      const after = await Promise.all(KEYS.map(deadline));
      const refreshed = KEYS.filter((_, i) => after[i]! > before[i]!);
      expect(refreshed).toEqual(KEYS);
    });
  });
});
