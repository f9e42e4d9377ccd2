import { ErrorCode } from "@sessionkv/core";
import { describe, expect, it } from "vitest";
import { DynamoDBSessionKVStore } from "../src/index.js";
import { listingPlan, namespaceTag, partitionKey } from "../src/schema.js";

describe("key schema", () => {
  const tag = namespaceTag("ns:");

  it("puts the key up to its second slash in the partition, or the whole key when it has fewer", () => {
    expect(tag).toBe("3:ns:");
    expect(partitionKey(tag, "sessions/call/s1")).toBe("3:ns:sessions/call/");
    expect(partitionKey(tag, "sessions/call/")).toBe("3:ns:sessions/call/");
    expect(partitionKey(tag, "sessions/call/a/b")).toBe("3:ns:sessions/call/");
    expect(partitionKey(tag, "sessions/call")).toBe("3:ns:sessions/call");
    expect(partitionKey(tag, "plain")).toBe("3:ns:plain");
    expect(partitionKey(tag, "//x")).toBe("3:ns://");
  });

  it("queries one partition when the prefix contains the boundary, scans otherwise", () => {
    expect(listingPlan(tag, "sessions/call/")).toEqual({
      kind: "query",
      partition: "3:ns:sessions/call/",
      sortPrefix: "sessions/call/",
    });
    expect(listingPlan(tag, "sessions/call/s")).toEqual({
      kind: "query",
      partition: "3:ns:sessions/call/",
      sortPrefix: "sessions/call/s",
    });
    expect(listingPlan(tag, "sessions/ca")).toEqual({ kind: "scan", partitionPrefix: "3:ns:sessions/ca" });
    expect(listingPlan(tag, "")).toEqual({ kind: "scan", partitionPrefix: "3:ns:" });
  });

  it("every key a prefix matches lies in the planned partition(s)", () => {
    const keys = ["a", "a/", "a/b", "a/b/", "a/b/c", "a/b/c/d", "a/bc/d", "ab/c/d", "/", "//", "///"];
    const prefixes = ["", "a", "a/", "a/b", "a/b/", "a/b/c", "/", "//", "///"];
    for (const prefix of prefixes) {
      const plan = listingPlan(tag, prefix);
      for (const key of keys.filter((k) => k.startsWith(prefix))) {
        const partition = partitionKey(tag, key);
        if (plan.kind === "query") expect(partition, `${prefix} → ${key}`).toBe(plan.partition);
        else expect(partition.startsWith(plan.partitionPrefix), `${prefix} → ${key}`).toBe(true);
      }
    }
  });

  it("length-prefixes the namespace so prefix + key concatenations never collide", () => {
    expect(partitionKey(namespaceTag("a"), "b/c/d")).not.toBe(partitionKey(namespaceTag("ab"), "/c/d"));
  });
});

describe("options", () => {
  const reject = (options: unknown, pattern: RegExp) =>
    expect(() => new DynamoDBSessionKVStore(options as never)).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT, message: expect.stringMatching(pattern) }),
    );

  it("rejects bad options at construction, before any I/O", () => {
    reject(null, /options/);
    reject({}, /tableName/);
    reject({ tableName: "a b" }, /tableName/);
    reject({ tableName: "t".repeat(256) }, /tableName/);
    reject({ tableName: "sessions", keyPrefix: 5 }, /keyPrefix/);
    reject({ tableName: "sessions", keyPrefix: "\uD800" }, /keyPrefix/);
    reject({ tableName: "sessions", keyPrefix: "p".repeat(1100) }, /keyPrefix/);
    reject({ tableName: "sessions", createTable: "yes" }, /createTable/);
    reject({ tableName: "sessions", concurrency: 0 }, /concurrency/);
    reject({ tableName: "sessions", client: {}, clientConfig: {} }, /exclusive/);
    reject({ tableName: "sessions", operationTimeoutMs: 0 }, /operationTimeoutMs/);
  });

  it("declares capabilities within DynamoDB's limits and the contract's minimums", () => {
    const store = new DynamoDBSessionKVStore({
      tableName: "sessions",
      clientConfig: { region: "us-east-1" },
    });
    expect(store.capabilities).toEqual({
      ttlResolutionMs: 1,
      minTtlMs: 1,
      expiryLagMs: 0,
      maxValueBytes: 384 * 1024,
      maxKeyBytes: 1024,
      partitionListing: "indexed",
    });
  });
});
