import { leakedSecrets, rejection } from "@sessionkv/conformance/testing";
import { ErrorCode, type SessionKVError } from "@sessionkv/core";
import { dynamodbTargets, requireContainers } from "@sessionkv/test-kit";
import { describeOutageScenarios, forEachTarget } from "@sessionkv/test-kit/vitest";
import { beforeAll, describe, expect, it } from "vitest";
import type { DynamoDBSessionKVStore } from "../src/index.js";
import { SECRET_ACCESS_KEY, SESSION_TOKEN, bytes, storeFor, uniqueTableName } from "./helpers.js";

const gate = await requireContainers();
const targets = dynamodbTargets().slice(0, 1);

/** Table creation on a fresh server may take longer than the short operation timeout. */
async function startRetrying(store: DynamoDBSessionKVStore): Promise<void> {
  for (let attempt = 0; !store.started; attempt++) {
    await store.start().catch((e: unknown) => {
      if (attempt >= 10) throw e;
    });
  }
}

// The endpoint stops, goes silent (paused) or is not there: every operation rejects with
// ERR_STORE_UNAVAILABLE within operationTimeoutMs, the SDK's error attached, no credential in it.
// No restart scenario: the emulators keep tables in memory, so a restarted endpoint has none.
describeOutageScenarios("server outages", targets, {
  run: gate.run,
  scenarios: ["paused", "stopped", "absent"],
  operationTimeoutMs: 1_500,
  // The deadline is the store's promise; the slack covers a loaded machine's timers only.
  slackMs: 1_000,
  createStore: (server, settings) =>
    storeFor(server, { tableName: uniqueTableName("outage"), createTable: true, ...settings }),
  startStore: (store) => startRetrying(store as DynamoDBSessionKVStore),
  extraOperations: (store) => [["keys of a partition (Query)", () => store.keys("sessions/c/")]],
  driverCauseWhen: { paused: true, stopped: true },
  secrets: [SECRET_ACCESS_KEY, SESSION_TOKEN],
  checkRejection: (scenario, { name, error }) => {
    // The store's own budget ends first, aborting the requests in flight; the SDK's abort is the cause.
    if (scenario === "paused")
      expect((error as Error).message, name).toMatch(/DynamoDB did not answer within/);
  },
  // The paused batch may still be applied by the server after its client timed out (as a real
  // DynamoDB may), so only keys it did not touch are checked.
  afterRecovery: async (store) =>
    expect(await store.mget(["after", "kept"])).toEqual([
      new TextEncoder().encode("x"),
      new TextEncoder().encode("before"),
    ]),
});

describe("secrets", () => {
  forEachTarget(targets, { run: gate.run }, ({ server, track }) => {
    let store: DynamoDBSessionKVStore | undefined;
    beforeAll(async () => {
      store = track(
        storeFor(server(), {
          tableName: uniqueTableName("secrets"),
          createTable: true,
          keyPrefix: "f:",
          operationTimeoutMs: 1_500,
        }),
      );
      await startRetrying(store);
      await store.set("k", bytes(1), 60_000);
    });

    it("a driver error that echoes the secret key or session token reaches the caller redacted", async () => {
      const leaky = store!;
      // A real client error whose text carries the credentials, as a misbehaving signer or proxy could produce.
      leaky.client.middlewareStack.add(
        () => async () => {
          const inner = new Error(`signature mismatch; token ${SESSION_TOKEN}`);
          throw Object.assign(new Error(`could not sign with ${SECRET_ACCESS_KEY}`, { cause: inner }), {
            name: "SigningError",
          });
        },
        { step: "finalizeRequest", name: "sessionkvTestLeakySigner" },
      );
      const { error } = await rejection(() => leaky.get("k"));
      expect((error as SessionKVError).code).toBe(ErrorCode.STORE_UNAVAILABLE);
      expect((error as SessionKVError).message).toContain("could not sign with");
      expect(leakedSecrets(error, [SECRET_ACCESS_KEY, SESSION_TOKEN])).toEqual([]);
      leaky.client.middlewareStack.remove("sessionkvTestLeakySigner");
      expect(await leaky.get("k")).toEqual(bytes(1));
    });
  });
});
