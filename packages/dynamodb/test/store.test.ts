import { DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { ErrorCode, SessionRegistry } from "@sessionkv/core";
import { dynamodbTargets, requireContainers } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import { beforeAll, describe, expect, it } from "vitest";
import type { DynamoDBSessionKVStore } from "../src/index.js";
import { ATTR, itemKey, namespaceTag } from "../src/schema.js";
import { bytes, clientConfigFor, storeFor, uniqueTableName } from "./helpers.js";
import { countCommands, injectUnprocessed } from "./middleware.js";

const gate = await requireContainers();

describe("DynamoDBSessionKVStore", () => {
  forEachTarget(dynamodbTargets().slice(0, 1), { run: gate.run }, ({ server, track }) => {
    let raw: DynamoDBClient;
    const tableName = uniqueTableName("store");
    let namespaces = 0;

    beforeAll(async () => {
      raw = track(new DynamoDBClient(clientConfigFor(server())), (client) => client.destroy());
      const creator = storeFor(server(), { tableName, createTable: true, operationTimeoutMs: 30_000 });
      await creator.start();
      await creator.close();
    });

    /** A started store in a fresh namespace over its own client, so middleware sees only its commands. */
    async function open(
      keyPrefix = `ns${++namespaces}:`,
    ): Promise<{ store: DynamoDBSessionKVStore; client: DynamoDBClient }> {
      const client = track(new DynamoDBClient(clientConfigFor(server())), (c) => c.destroy());
      const store = track(storeFor(server(), { tableName, keyPrefix, client }));
      await store.start();
      return { store, client };
    }

    it("mset of 60 entries and mget of 250 keys (batches of 25 writes and 100 reads)", async () => {
      const { store, client } = await open();
      const counts = countCommands(client);
      const entries = Array.from({ length: 60 }, (_, i) => ({
        key: `m/${i}`,
        value: bytes(i, 255 - i),
        ttlMs: 60_000 + i,
      }));
      await store.mset(entries);
      expect(counts.get("BatchWriteItemCommand")).toBe(3);

      const keys = Array.from({ length: 250 }, (_, i) => `m/${i % 125}`); // 125 distinct, each twice
      const values = await store.mget(keys);
      expect(counts.get("BatchGetItemCommand")).toBe(2);
      expect(values).toHaveLength(250);
      keys.forEach((key, i) => {
        const n = Number(key.slice(2));
        expect(values[i], key).toEqual(n < 60 ? bytes(n, 255 - n) : null);
      });
      expect((await store.keys("m/")).sort()).toEqual(entries.map((e) => e.key).sort());
    });

    it("retries UnprocessedItems and UnprocessedKeys until every write and read is done", async () => {
      const { store, client } = await open();
      const counts = countCommands(client);
      const injected = injectUnprocessed(client, 6);
      const entries = Array.from({ length: 60 }, (_, i) => ({
        key: `u/${i}`,
        value: bytes(i),
        ttlMs: 60_000,
      }));
      await store.mset(entries);
      expect(injected.injected).toBeGreaterThan(0);
      expect(counts.get("BatchWriteItemCommand")).toBeGreaterThan(3);

      // Checked through an untouched client: the server really holds every entry.
      for (const { key } of entries) {
        const out = await raw.send(
          new GetItemCommand({
            TableName: tableName,
            Key: itemKey(namespaceTag(prefixOf(store)), key),
            ConsistentRead: true,
          }),
        );
        expect(out.Item?.[ATTR.value]?.B, key).toEqual(bytes(Number(key.slice(2))));
      }

      const before = injected.injected;
      const readsBefore = counts.get("BatchGetItemCommand") ?? 0;
      const values = await store.mget(entries.map((e) => e.key));
      expect(injected.injected).toBeGreaterThan(before);
      expect((counts.get("BatchGetItemCommand") ?? 0) - readsBefore).toBeGreaterThan(1);
      expect(values).toEqual(entries.map((e) => e.value));

      await store.delete(entries.map((e) => e.key));
      expect(await store.keys("u/")).toEqual([]);
    });

    it("an item past its expiry that the server still holds is invisible and never revived", async () => {
      const { store } = await open();
      const tag = namespaceTag(prefixOf(store));
      const now = Date.now();
      const put = (key: string, expiresAtMs: number, value: Uint8Array) =>
        raw.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              ...itemKey(tag, key),
              [ATTR.value]: { B: value },
              [ATTR.expiresAtMs]: { N: String(expiresAtMs) },
              // The reaper's attribute says "keep for an hour": only the exact expiry hides the item.
              [ATTR.ttl]: { N: String(Math.ceil(now / 1000) + 3600) },
            },
          }),
        );
      await put("sessions/c/dead", now - 1_000, bytes(1));
      await put("sessions/c/live", now + 60_000, bytes(2));

      expect(await store.get("sessions/c/dead")).toBeNull();
      expect(await store.get("sessions/c/live")).toEqual(bytes(2));
      expect(await store.mget(["sessions/c/dead", "sessions/c/live"])).toEqual([null, bytes(2)]);
      expect(await store.keys("sessions/c/")).toEqual(["sessions/c/live"]);
      expect(await store.keys("sess")).toEqual(["sessions/c/live"]);
      expect(await store.keys("")).toEqual(["sessions/c/live"]);

      await store.expire(["sessions/c/dead", "sessions/c/live"], 120_000);
      await store.set("sessions/c/dead", bytes(9), 120_000, { onlyIfExists: true });
      expect(await store.get("sessions/c/dead")).toBeNull();
      expect(await store.keys("")).toEqual(["sessions/c/live"]);
      const held = await raw.send(
        new GetItemCommand({
          TableName: tableName,
          Key: itemKey(tag, "sessions/c/dead"),
          ConsistentRead: true,
        }),
      );
      expect(held.Item?.[ATTR.value]?.B).toEqual(bytes(1));
      expect(Number(held.Item?.[ATTR.expiresAtMs]?.N)).toBe(now - 1_000);

      // The live one did get its new expiry, value untouched.
      const live = await raw.send(
        new GetItemCommand({
          TableName: tableName,
          Key: itemKey(tag, "sessions/c/live"),
          ConsistentRead: true,
        }),
      );
      expect(Number(live.Item?.[ATTR.expiresAtMs]?.N)).toBeGreaterThan(now + 100_000);
      expect(live.Item?.[ATTR.value]?.B).toEqual(bytes(2));
    });

    it("writes the reaper's TTL in whole epoch seconds, rounded up from the exact expiry", async () => {
      const { store } = await open();
      await store.set("t", bytes(1), 1_500);
      const out = await raw.send(
        new GetItemCommand({
          TableName: tableName,
          Key: itemKey(namespaceTag(prefixOf(store)), "t"),
          ConsistentRead: true,
        }),
      );
      const exact = Number(out.Item?.[ATTR.expiresAtMs]?.N);
      const ttl = out.Item?.[ATTR.ttl]?.N ?? "";
      expect(ttl).toMatch(/^\d+$/);
      expect(Number(ttl)).toBe(Math.ceil(exact / 1000));
    });

    it("lists one call's sessions with a Query, never a Scan; prefixes without the boundary scan", async () => {
      const { store, client } = await open();
      const counts = countCommands(client);
      const keys = [
        "sessions/call/s1",
        "sessions/call/s2",
        "sessions/call/",
        "sessions/call2/s1",
        "sessions/cal/x",
        "close_requests/call/s1",
        "sessions",
        "sessions/",
      ];
      await store.mset(keys.map((key) => ({ key, value: bytes(), ttlMs: 60_000 })));
      counts.clear();

      expect((await store.keys("sessions/call/")).sort()).toEqual([
        "sessions/call/",
        "sessions/call/s1",
        "sessions/call/s2",
      ]);
      expect(await store.keys("close_requests/call/")).toEqual(["close_requests/call/s1"]);
      expect((await store.keys("sessions/call/s")).sort()).toEqual(["sessions/call/s1", "sessions/call/s2"]);
      expect(await store.keys("sessions/call/s1")).toEqual(["sessions/call/s1"]);
      expect(await store.keys("sessions/call/s3")).toEqual([]);
      expect(counts.get("QueryCommand")).toBe(5);
      expect(counts.get("ScanCommand")).toBeUndefined();

      expect((await store.keys("sessions/cal")).sort()).toEqual([
        "sessions/cal/x",
        "sessions/call/",
        "sessions/call/s1",
        "sessions/call/s2",
        "sessions/call2/s1",
      ]);
      expect((await store.keys("sessions")).length).toBe(7);
      expect((await store.keys("")).length).toBe(keys.length);
      expect(counts.get("ScanCommand")).toBe(3);
    });

    it("registry.getForCall is one Query and one BatchGetItem, never a Scan", async () => {
      const { store, client } = await open();
      const registry = new SessionRegistry({ store, nodeId: "node-a", ttlMs: 60_000 });
      await registry.start();
      for (let i = 0; i < 30; i++) await registry.register("call-1", `s${i}`);
      await registry.register("call-10", "other");
      await registry.register("call-2", "other");
      const counts = countCommands(client);

      const sessions = await registry.getForCall("call-1");
      expect(sessions.map((s) => s.sessionId).sort()).toEqual(
        Array.from({ length: 30 }, (_, i) => `s${i}`).sort(),
      );
      expect(sessions.every((s) => s.callId === "call-1" && s.nodeId === "node-a")).toBe(true);
      expect(Object.fromEntries(counts)).toEqual({ QueryCommand: 1, BatchGetItemCommand: 1 });
      await registry.stop();
    });

    it("follows Query and Scan pages: listings over more than 1 MB of items are complete", async () => {
      const { store, client } = await open();
      const value = new Uint8Array(40 * 1024).fill(1);
      const keys = Array.from({ length: 40 }, (_, i) => `sessions/big/s${i}`); // 1.6 MB in one partition
      await store.mset(keys.map((key) => ({ key, value, ttlMs: 60_000 })));
      const counts = countCommands(client);
      expect((await store.keys("sessions/big/")).sort()).toEqual([...keys].sort());
      expect(counts.get("QueryCommand")).toBeGreaterThan(1);
      expect((await store.keys("")).sort()).toEqual([...keys].sort());
      expect(counts.get("ScanCommand")).toBeGreaterThan(1);
    });

    it("keeps namespaces apart even when prefix + key concatenate to the same text", async () => {
      const { store: a } = await open("a");
      const { store: ab } = await open("ab");
      await a.set("b/c/d", bytes(1), 60_000);
      await ab.set("/c/d", bytes(2), 60_000);
      expect(await a.keys("")).toEqual(["b/c/d"]);
      expect(await ab.keys("")).toEqual(["/c/d"]);
      expect(await a.keys("b/c/")).toEqual(["b/c/d"]);
      expect(await ab.keys("/c/")).toEqual(["/c/d"]);
      expect(await a.get("b/c/d")).toEqual(bytes(1));
      expect(await ab.get("/c/d")).toEqual(bytes(2));
    });

    it("accepts keys of maxKeyBytes however they split, and the longest keyPrefix", async () => {
      const { store } = await open("p".repeat(1000));
      expect(store.capabilities.maxKeyBytes).toBe(1024);
      const keys = [
        "k".repeat(1024), // no "/": the whole key is the partition part
        "😀".repeat(256), // 1024 bytes of 4-byte characters
        `a/b/${"é".repeat(510)}`, // a short partition part, a long rest
        `${"x".repeat(500)}/${"y".repeat(500)}/${"z".repeat(22)}`,
      ];
      for (const key of keys) expect(Buffer.byteLength(key)).toBe(1024);
      await store.mset(keys.map((key, i) => ({ key, value: bytes(i), ttlMs: 60_000 })));
      expect(await store.mget(keys)).toEqual(keys.map((_, i) => bytes(i)));
      expect((await store.keys("")).sort()).toEqual([...keys].sort());
      expect(await store.keys("a/b/é")).toEqual([keys[2]]);
      expect(await store.keys(`${"x".repeat(500)}/${"y".repeat(500)}/`)).toEqual([keys[3]]);
      await store.expire(keys, 90_000);
      await store.delete(keys);
      expect(await store.keys("")).toEqual([]);
    });

    it("rejects a keyPrefix that leaves no room for a full-length key, before any I/O", () => {
      expect(() => storeFor(server(), { tableName, keyPrefix: "p".repeat(1100) })).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
      );
    });

    it("stores values up to maxValueBytes and the empty value", async () => {
      const { store } = await open();
      const big = new Uint8Array(store.capabilities.maxValueBytes).map((_, i) => i % 251);
      await store.set(`big/${"k".repeat(1020)}`, big, 60_000);
      expect(await store.get(`big/${"k".repeat(1020)}`)).toEqual(big);
      await store.mset([
        { key: "e1", value: new Uint8Array(0), ttlMs: 60_000 },
        { key: "e2", value: big, ttlMs: 60_000 },
      ]);
      expect(await store.mget(["e1", "e2", "e3"])).toEqual([new Uint8Array(0), big, null]);
    });

    it("does not close a client it was given", async () => {
      const { store, client } = await open();
      await store.close();
      const out = await client.send(
        new GetItemCommand({ TableName: tableName, Key: itemKey("0:", "x"), ConsistentRead: true }),
      );
      expect(out.$metadata.httpStatusCode).toBe(200);
    });
  });
});

function prefixOf(store: DynamoDBSessionKVStore): string {
  return store.keyPrefix;
}
