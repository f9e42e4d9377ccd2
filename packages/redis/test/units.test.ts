import { ErrorCode, SessionKVError } from "@sessionkv/core";
import { describe, expect, it } from "vitest";
import { classifyRedisError } from "../src/errors.js";
import { escapeGlob, prefixPattern } from "../src/glob.js";
import { RedisSessionKVStore, VISION_AGENTS_KEY_PREFIX } from "../src/index.js";
import { INDEX_MARK, isReserved } from "../src/listing.js";
import { hashSlot } from "../src/slot.js";

// Pure functions; their behaviour against a real server is covered in the container suites.

describe("escapeGlob", () => {
  it("escapes every glob metacharacter SCAN MATCH knows, and nothing else", () => {
    expect(escapeGlob("a*b?c[d]e\\f")).toBe("a\\*b\\?c\\[d\\]e\\\\f");
    expect(escapeGlob("plain:key/with spaces%")).toBe("plain:key/with spaces%");
    expect(prefixPattern("we*ird:")).toBe("we\\*ird:*");
  });
});

describe("hashSlot", () => {
  it("matches the slots Redis Cluster documents", () => {
    // Values from the cluster specification and CLUSTER KEYSLOT.
    expect(hashSlot("123456789")).toBe(0x31c3 % 16384);
    expect(hashSlot("foo")).toBe(12182);
    expect(hashSlot("bar")).toBe(5061);
    expect(hashSlot("somekey")).toBe(11058);
  });

  it("hashes only a non-empty {hash tag}", () => {
    expect(hashSlot("{user1000}.following")).toBe(hashSlot("user1000"));
    expect(hashSlot("foo{}{bar}")).not.toBe(hashSlot("bar"));
    expect(hashSlot("foo{{bar}}zap")).toBe(hashSlot("{bar"));
  });

  it("hashes UTF-8 bytes", () => {
    expect(hashSlot("ключ")).toBe(hashSlot("{ключ}x"));
  });
});

describe("classifyRedisError", () => {
  const reply = (message: string): Error => {
    const error = new Error(message);
    Object.defineProperty(error, "name", { value: "ReplyError" });
    return error;
  };

  it("maps connection failures and transient server states to ERR_STORE_UNAVAILABLE", () => {
    for (const error of [
      new Error("connect ECONNREFUSED 127.0.0.1:1"),
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      reply("LOADING Redis is loading the dataset in memory"),
      reply("OOM command not allowed when used memory > 'maxmemory'."),
      reply("READONLY You can't write against a read only replica."),
    ]) {
      expect(classifyRedisError(error, "get").code, error.message).toBe(ErrorCode.STORE_UNAVAILABLE);
    }
  });

  it("maps credential and ACL refusals to ERR_STORE_MISCONFIGURED", () => {
    for (const message of [
      "WRONGPASS invalid username-password pair",
      "NOAUTH Authentication required.",
      "NOPERM no permission",
    ]) {
      expect(classifyRedisError(reply(message), "get").code).toBe(ErrorCode.STORE_MISCONFIGURED);
    }
  });

  it("maps other replies to ERR_STORE_PROTOCOL and keeps the driver error as cause", () => {
    const error = reply("WRONGTYPE Operation against a key holding the wrong kind of value");
    const shaped = classifyRedisError(error, "get");
    expect(shaped.code).toBe(ErrorCode.STORE_PROTOCOL);
    expect(shaped.cause).toBe(error);
    const already = new SessionKVError(ErrorCode.STORE_UNAVAILABLE, "x");
    expect(classifyRedisError(already, "get")).toBe(already);
  });
});

describe("options", () => {
  it("needs exactly one of url and client, and a valid URL that is never echoed", () => {
    expect(() => new RedisSessionKVStore({})).toThrow(SessionKVError);
    expect(() => new RedisSessionKVStore({ url: "http://:hunter2@localhost:6379" })).toThrow(/redis:\/\//);
    try {
      new RedisSessionKVStore({ url: "redis://:hunter2@[bad" });
      expect.unreachable();
    } catch (error) {
      expect((error as SessionKVError).code).toBe(ErrorCode.INVALID_ARGUMENT);
      expect(String((error as Error).stack)).not.toContain("hunter2");
    }
  });

  it("start() on a closed port rejects at once with ERR_STORE_UNAVAILABLE and the refusal as cause", async () => {
    const store = new RedisSessionKVStore({ url: "redis://127.0.0.1:1", operationTimeoutMs: 5_000 });
    try {
      const listeners: number[] = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        const error = await store.start().then(
          () => expect.unreachable(),
          (e: unknown) => e,
        );
        expect((error as SessionKVError).code).toBe(ErrorCode.STORE_UNAVAILABLE);
        expect(((error as Error).cause as { code?: string }).code).toBe("ECONNREFUSED");
        listeners.push(store.client.listenerCount("ready") + store.client.listenerCount("error"));
      }
      // Retried starts leave none of their listeners behind (ioredis keeps its own).
      expect(new Set(listeners).size).toBe(1);
    } finally {
      await store.close();
    }
  });

  it("creates no connection before start()", async () => {
    const store = new RedisSessionKVStore({ url: "redis://127.0.0.1:1" });
    expect(store.client.status).toBe("wait");
    await store.close();
  });
});

describe("listing", () => {
  it("declares an indexed partition listing only where listings read the index", async () => {
    const declared = [];
    for (const listing of ["index", "index+scan", "scan"] as const) {
      const store = new RedisSessionKVStore({ url: "redis://127.0.0.1:1", listing });
      declared.push([listing, store.capabilities.partitionListing]);
      await store.close();
    }
    expect(declared).toEqual([
      ["index", "indexed"],
      ["index+scan", "scan"],
      ["scan", "scan"],
    ]);
  });

  it("reserves only keys starting with the index mark", () => {
    expect(isReserved(`${INDEX_MARK}sessions/c/`)).toBe(true);
    expect(isReserved("\u0000other")).toBe(false);
    expect(isReserved(`x${INDEX_MARK}`)).toBe(false);
  });

  it("defaults to index, and to index+scan on the Python original's prefix; refuses other modes", () => {
    const store = (options: object) => new RedisSessionKVStore({ url: "redis://127.0.0.1:1", ...options });
    expect(store({}).listing).toBe("index");
    expect(store({ keyPrefix: VISION_AGENTS_KEY_PREFIX }).listing).toBe("index+scan");
    expect(store({ keyPrefix: VISION_AGENTS_KEY_PREFIX, listing: "index" }).listing).toBe("index");
    for (const listing of ["INDEX", "", 1, null]) {
      let caught: unknown;
      try {
        store({ listing });
      } catch (error) {
        caught = error;
      }
      expect((caught as SessionKVError).code).toBe(ErrorCode.INVALID_ARGUMENT);
    }
  });
});
