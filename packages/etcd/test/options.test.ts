import { ErrorCode } from "@sessionkv/core";
import { describe, expect, it } from "vitest";
import { EtcdSessionKVStore, type EtcdSessionKVStoreOptions } from "../src/index.js";

const HOSTS = "http://127.0.0.1:1";

const reject = (options: unknown, message: RegExp) =>
  expect(() => new EtcdSessionKVStore(options as EtcdSessionKVStoreOptions)).toThrow(
    expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT, message: expect.stringMatching(message) }),
  );

describe("options", () => {
  it("rejects bad options at construction, before any I/O, naming the option", () => {
    reject(undefined, /^options must be an object/);
    reject(null, /^options must be an object/);
    reject({}, /^options need exactly one of `hosts` or `client`/);
    reject({ hosts: HOSTS, client: {} }, /^options need exactly one/);
    for (const name of ["leaseBucketMs", "minLeaseTtlMs", "maxTxnOps", "maxRequestBytes", "pageSize"]) {
      reject({ hosts: HOSTS, [name]: 0 }, new RegExp(`^${name} `));
    }
    reject({ hosts: HOSTS, keyPrefix: 5 }, /^keyPrefix /);
    reject({ hosts: HOSTS, heartbeatLeases: "yes" }, /^heartbeatLeases must be a boolean/);
    reject({ hosts: HOSTS, operationTimeoutMs: -1 }, /^operationTimeoutMs /);
  });

  it("heartbeatLeases sets the declared expiry lag; options left undefined take their defaults", async () => {
    const exact = new EtcdSessionKVStore({ hosts: HOSTS, keyPrefix: undefined });
    const kept = new EtcdSessionKVStore({ hosts: [HOSTS], heartbeatLeases: true });
    expect(exact.capabilities.expiryLagMs).toBe(0);
    expect(kept.capabilities.expiryLagMs).toBe(2_000);
    await Promise.all([exact.close(), kept.close()]);
  });
});
