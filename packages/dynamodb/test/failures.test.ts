import { inspect } from "node:util";
import { type StartedServer, dynamodbTargets, requireContainers } from "@sessionkv/conformance/containers";
import { ErrorCode, type SessionKVError } from "@sessionkv/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DynamoDBSessionKVStore } from "../src/index.js";
import { SECRET_ACCESS_KEY, SESSION_TOKEN, bytes, storeFor, uniqueTableName } from "./helpers.js";

const gate = await requireContainers();
const target = dynamodbTargets()[0]!;

const TIMEOUT_MS = 1_500;
// The deadline is the store's promise; the slack covers a loaded machine's timers only.
const SLACK_MS = 1_000;

async function failure(work: Promise<unknown>): Promise<{ error: SessionKVError; elapsedMs: number }> {
  const begin = performance.now();
  const error = await work.then(
    () => {
      throw new Error("expected the operation to fail");
    },
    (e: unknown) => e as SessionKVError,
  );
  return { error, elapsedMs: performance.now() - begin };
}

/** The whole error, cause chain and stacks included, as text. */
const everything = (error: unknown): string => inspect(error, { depth: 20, showHidden: true });

function operations(store: DynamoDBSessionKVStore): Record<string, () => Promise<unknown>> {
  return {
    set: () => store.set("k", bytes(1), 60_000),
    setIfExists: () => store.set("k", bytes(1), 60_000, { onlyIfExists: true }),
    mset: () => store.mset([{ key: "a", value: bytes(1), ttlMs: 60_000 }]),
    get: () => store.get("k"),
    mget: () => store.mget(["k", "a"]),
    expire: () => store.expire(["k"], 60_000),
    keysQuery: () => store.keys("sessions/c/"),
    keysScan: () => store.keys(""),
    delete: () => store.delete(["k"]),
  };
}

describe.skipIf(!gate.run)(`failures on ${target.name}`, () => {
  const servers: StartedServer[] = [];
  afterAll(() => Promise.allSettled(servers.map((s) => s.stop())));

  async function running(label: string): Promise<{ server: StartedServer; store: DynamoDBSessionKVStore }> {
    const server = await target.start();
    servers.push(server);
    const store = storeFor(server, {
      tableName: uniqueTableName(label),
      createTable: true,
      keyPrefix: "f:",
      operationTimeoutMs: TIMEOUT_MS,
    });
    // Table creation on a fresh server may take longer than the short operation timeout.
    for (let attempt = 0; !store.started; attempt++) {
      await store.start().catch((e: unknown) => {
        if (attempt >= 10) throw e;
      });
    }
    await store.set("k", bytes(1), 60_000);
    return { server, store };
  }

  describe("endpoint stopped", () => {
    let ctx: { server: StartedServer; store: DynamoDBSessionKVStore };
    beforeAll(async () => {
      ctx = await running("stopped");
      await ctx.server.stop();
    });
    afterAll(() => ctx?.store.close());

    it("every operation rejects with ERR_STORE_UNAVAILABLE within operationTimeoutMs, cause attached, no secret", async () => {
      for (const [name, run] of Object.entries(operations(ctx.store))) {
        const { error, elapsedMs } = await failure(run());
        expect(error, name).toMatchObject({ code: ErrorCode.STORE_UNAVAILABLE });
        expect(error.cause, name).toBeDefined();
        expect(elapsedMs, name).toBeLessThan(TIMEOUT_MS + SLACK_MS);
        const text = everything(error);
        expect(text, name).not.toContain(SECRET_ACCESS_KEY);
        expect(text, name).not.toContain(SESSION_TOKEN);
      }
    });
  });

  describe("endpoint paused (connections open, nothing answers)", () => {
    let ctx: { server: StartedServer; store: DynamoDBSessionKVStore };
    beforeAll(async () => {
      ctx = await running("paused");
      await ctx.store.set("survivor", bytes(3), 60_000);
    });
    afterAll(() => ctx?.store.close());

    it("operations reject with ERR_STORE_UNAVAILABLE within operationTimeoutMs, and the store recovers", async () => {
      await ctx.server.pause();
      try {
        const results = await Promise.all(Object.values(operations(ctx.store)).map((run) => failure(run())));
        for (const { error, elapsedMs } of results) {
          expect(error).toMatchObject({ code: ErrorCode.STORE_UNAVAILABLE });
          // The store's own budget ends first, aborting the requests in flight; the SDK's abort is the cause.
          expect(error.message).toMatch(/DynamoDB did not answer within/);
          expect(error.cause).toBeDefined();
          expect(elapsedMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);
          expect(everything(error)).not.toContain(SECRET_ACCESS_KEY);
        }
      } finally {
        await ctx.server.unpause();
      }
      // "k" is not checked: the server may still apply requests that timed out on the client
      // (the paused batch includes its delete), exactly as a real DynamoDB may.
      expect(await ctx.store.get("survivor")).toEqual(bytes(3));
      await ctx.store.set("after", bytes(2), 60_000);
      expect(await ctx.store.mget(["after", "survivor"])).toEqual([bytes(2), bytes(3)]);
    });
  });

  describe("secrets", () => {
    let ctx: { server: StartedServer; store: DynamoDBSessionKVStore };
    beforeAll(async () => {
      ctx = await running("secrets");
    });
    afterAll(() => ctx?.store.close());

    it("a driver error that echoes the secret key or session token reaches the caller redacted", async () => {
      // A real client error whose text carries the credentials, as a misbehaving signer or proxy could produce.
      ctx.store.client.middlewareStack.add(
        () => async () => {
          const inner = new Error(`signature mismatch; token ${SESSION_TOKEN}`);
          throw Object.assign(new Error(`could not sign with ${SECRET_ACCESS_KEY}`, { cause: inner }), {
            name: "SigningError",
          });
        },
        { step: "finalizeRequest", name: "sessionkvTestLeakySigner" },
      );
      const { error } = await failure(ctx.store.get("k"));
      expect(error.code).toBe(ErrorCode.STORE_UNAVAILABLE);
      expect(error.message).toContain("could not sign with");
      const text = everything(error);
      expect(text).not.toContain(SECRET_ACCESS_KEY);
      expect(text).not.toContain(SESSION_TOKEN);
      ctx.store.client.middlewareStack.remove("sessionkvTestLeakySigner");
      expect(await ctx.store.get("k")).toEqual(bytes(1));
    });
  });
});
