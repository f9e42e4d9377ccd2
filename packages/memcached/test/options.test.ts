import { ErrorCode } from "@sessionkv/core";
import { describe, expect, it } from "vitest";
import { MemcachedSessionKVStore, type MemcachedSessionKVStoreOptions } from "../src/index.js";
import { MIN_MAX_VALUE_BYTES } from "../src/options.js";

const reject = (options: unknown, message: RegExp) =>
  expect(() => new MemcachedSessionKVStore(options as MemcachedSessionKVStoreOptions)).toThrow(
    expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT, message: expect.stringMatching(message) }),
  );

describe("options", () => {
  it("rejects bad options at construction, before any I/O, naming the option", () => {
    reject(undefined, /^options must be an object/);
    reject(null, /^options must be an object/);
    reject({}, /^options need exactly one of `servers` or `client`/);
    reject({ servers: "127.0.0.1:1", client: {} }, /^options need exactly one/);
    reject({ servers: [] }, /^servers /);
    reject({ servers: "127.0.0.1:1,," }, /^servers /);
    reject({ servers: [42] }, /^servers /);
    reject({ servers: "127.0.0.1:1", keyPrefix: "\uD800" }, /^keyPrefix /);
    reject({ servers: "127.0.0.1:1", maxValueBytes: MIN_MAX_VALUE_BYTES - 1 }, /^maxValueBytes /);
    reject({ servers: "127.0.0.1:1", maxValueBytes: MIN_MAX_VALUE_BYTES + 0.5 }, /^maxValueBytes /);
    reject({ servers: "127.0.0.1:1", operationTimeoutMs: 0 }, /^operationTimeoutMs /);
  });

  it("applies the defaults and the given maxValueBytes to the capabilities", async () => {
    const store = new MemcachedSessionKVStore({
      servers: ["127.0.0.1:1"],
      maxValueBytes: MIN_MAX_VALUE_BYTES,
    });
    expect(store.capabilities.maxValueBytes).toBe(MIN_MAX_VALUE_BYTES);
    await store.close();
  });
});
