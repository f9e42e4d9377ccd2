import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { ErrorCode, type SessionKVError } from "@sessionkv/core";
import memjs from "memjs";
import { describe, expect, it } from "vitest";
import { MemcachedSessionKVStore } from "../src/index.js";
import { TESTED_MEMJS_VERSIONS, missingInternal } from "../src/memjs-internals.js";

/**
 * The store speaks through memjs internals (README, "memjs: a pinned version, checked at
 * start"). These cases need no server: a client without those internals is refused by start()
 * before any I/O, and a real client of the pinned version gets past the check to the network
 * (a closed port on 127.0.0.1, so start() then fails as unavailable instead).
 */
const CLOSED = "127.0.0.1:1";
const quiet = { logger: { log: () => undefined }, retries: 0, timeout: 0.5, conntimeout: 0.5 };

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable("start() resolved"),
    (error: unknown) => error as SessionKVError,
  );

/** A real memjs client of the pinned version, then reshaped as another version might have it. */
function reshaped(change: (client: object, server: object) => unknown) {
  const client = memjs.Client.create(CLOSED, quiet);
  change(
    client as unknown as Record<string, unknown>,
    client.servers[0] as unknown as Record<string, unknown>,
  );
  return client;
}

describe("memjs internals", () => {
  it("package.json pins memjs to exactly a tested version, and that version is the one installed", () => {
    const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    const pinned: string = manifest.dependencies.memjs;
    expect(TESTED_MEMJS_VERSIONS).toContain(pinned);
    const installed = createRequire(import.meta.url)("memjs/package.json") as { version: string };
    expect(installed.version).toBe(pinned);
  });

  it("a real client of the pinned version has every internal the store uses", () => {
    const client = memjs.Client.create(`${CLOSED},127.0.0.1:2`, quiet);
    expect(missingInternal(client)).toBeNull();
    client.close();
  });

  const refusals: [string, memjs.Client | unknown, string][] = [
    [
      "its servers keep callbacks elsewhere",
      reshaped((_, s) => Reflect.deleteProperty(s, "responseCallbacks")),
      "servers[0].responseCallbacks",
    ],
    [
      "its servers keep no error callbacks",
      reshaped((_, s) => Reflect.deleteProperty(s, "errorCallbacks")),
      "servers[0].errorCallbacks",
    ],
    [
      "its servers keep no timeout queue",
      reshaped((_, s) => Reflect.deleteProperty(s, "requestTimeouts")),
      "servers[0].requestTimeouts",
    ],
    [
      "its servers cannot take a frame",
      // A method memjs keeps on its prototype: shadowed, as a version without it would look.
      reshaped((_, s) => Reflect.set(s, "write", undefined)),
      "servers[0].write()",
    ],
    ["its request ids are private", reshaped((c) => Reflect.deleteProperty(c, "seq")), "seq"],
    ["it has no servers list", reshaped((c) => Reflect.set(c, "servers", undefined)), "servers"],
    ["it is not a memjs client at all", { get: async () => null }, "servers"],
  ];

  for (const [why, client, missing] of refusals) {
    it(`a caller's client is refused at start() when ${why}: ERR_STORE_MISCONFIGURED naming the version`, async () => {
      const store = new MemcachedSessionKVStore({
        client: client as memjs.Client,
        operationTimeoutMs: 2_000,
      });
      try {
        const error = await failure(store.start());
        expect(error.code).toBe(ErrorCode.STORE_MISCONFIGURED);
        expect(error.message).toContain(`lacks ${missing}`);
        expect(error.message).toContain(`memjs ${TESTED_MEMJS_VERSIONS[0]}`);
        expect(store.started).toBe(false);
      } finally {
        // The refused clients never opened a socket: nothing of theirs to close.
        await store.close();
      }
    });
  }

  it("a caller's real client passes the check: start() reaches the network (a closed port: unavailable)", async () => {
    const client = memjs.Client.create(CLOSED, quiet);
    const store = new MemcachedSessionKVStore({ client, operationTimeoutMs: 2_000 });
    try {
      expect((await failure(store.start())).code).toBe(ErrorCode.STORE_UNAVAILABLE);
    } finally {
      await store.close();
      client.close();
    }
  });

  it("the store's own client passes the check too", async () => {
    const store = new MemcachedSessionKVStore({ servers: CLOSED, operationTimeoutMs: 2_000 });
    try {
      expect((await failure(store.start())).code).toBe(ErrorCode.STORE_UNAVAILABLE);
    } finally {
      await store.close();
    }
  });
});
