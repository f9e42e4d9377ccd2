import { inspect } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  everythingSaidBy,
  leakedSecrets,
  leakedSecretsAround,
  rejection,
} from "@sessionkv/conformance/testing";
import { ErrorCode, type SessionKVError } from "@sessionkv/core";
import { dynamodbTargets, requireContainers } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import { afterEach, describe, expect, it } from "vitest";
import { DynamoDBSessionKVStore } from "../src/index.js";
import { type EchoEndpoint, startEchoEndpoint } from "./echo-endpoint.js";
import { SECRET_ACCESS_KEY, SESSION_TOKEN, bytes, storeFor, uniqueTableName } from "./helpers.js";

// Credentials from a provider function are resolved per request and rotate: every secret a
// request was signed with, whenever it was resolved, stays out of every error and inspection.
const SECRET = "sessionkv-provided-SECRET-93be10";
const gate = await requireContainers();

interface Identity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

/** A provider handing out a new session token on every resolution (they expire at once). */
function rotatingProvider(): { provider: () => Promise<Identity>; tokens: string[] } {
  const tokens: string[] = [];
  const provider = async () => {
    const sessionToken = `sessionkv-provided-TOKEN-${tokens.length}-c41d`;
    tokens.push(sessionToken);
    return { accessKeyId: "AKIDPROVIDED", secretAccessKey: SECRET, sessionToken, expiration: new Date() };
  };
  return { provider, tokens };
}

function storeAt(endpoint: string, provider: () => Promise<Identity>, tableName: string) {
  return new DynamoDBSessionKVStore({
    tableName,
    createTable: true,
    operationTimeoutMs: 3_000,
    clientConfig: { endpoint, region: "us-east-1", credentials: provider, maxAttempts: 1 },
  });
}

describe("provider credentials against an endpoint that echoes request headers", () => {
  const endpoints: EchoEndpoint[] = [];
  afterEach(async () => {
    await Promise.all(endpoints.splice(0).map((e) => e.close()));
  });

  for (const [type, code] of [
    ["com.amazon.coral.validate#ValidationException", ErrorCode.STORE_PROTOCOL],
    // What DynamoDB answers for a key or token it does not know: credentials refused.
    ["com.amazon.coral.service#UnrecognizedClientException", ErrorCode.STORE_MISCONFIGURED],
    ["com.amazon.coral.service#InvalidSignatureException", ErrorCode.STORE_MISCONFIGURED],
  ] as const) {
    it(`${type.split("#")[1]}: ${code}, the token sent nowhere in the error, its stack, causes or inspection`, async () => {
      const endpoint = await startEchoEndpoint(type);
      endpoints.push(endpoint);
      const { provider, tokens } = rotatingProvider();
      const store = storeAt(endpoint.url, provider, "skv-echo");
      try {
        // The very first request (start's DescribeTable) is echoed: nothing learned beforehand.
        const { error } = await rejection(() => store.start());
        expect((error as SessionKVError).code).toBe(code);
        expect(endpoint.tokens.length).toBeGreaterThan(0);
        expect(tokens).toEqual(expect.arrayContaining(endpoint.tokens));
        // The endpoint did echo the token: the store's message shows where it was masked.
        expect((error as Error).message).toContain('"x-amz-security-token":"***"');
        expect(leakedSecrets(error, [SECRET, ...tokens])).toEqual([]);
        expect(inspect(store, { depth: 20, showHidden: true })).not.toMatch(/sessionkv-provided-/);
      } finally {
        await store.close();
      }
    });
  }
});

describe("a caller's client", () => {
  it("is watched for secrets while the store is open, and handed back unchanged by close()", async () => {
    const endpoint = await startEchoEndpoint("com.amazon.coral.validate#ValidationException");
    const { provider, tokens } = rotatingProvider();
    const client = new DynamoDBClient({ endpoint: endpoint.url, region: "us-east-1", credentials: provider });
    const names = () => client.middlewareStack.identify().join("\n");
    const untouched = names();
    const store = new DynamoDBSessionKVStore({ client, tableName: "skv-given", operationTimeoutMs: 3_000 });
    try {
      const { error } = await rejection(() => store.start());
      expect(endpoint.tokens.length).toBeGreaterThan(0);
      expect(leakedSecrets(error, [SECRET, ...tokens])).toEqual([]);
      expect(names()).toMatch(/sessionkvSecrets/);
    } finally {
      await store.close();
      client.destroy();
      await endpoint.close();
    }
    expect(names()).toBe(untouched);
  });
});

describe("provider credentials on DynamoDB Local", () => {
  forEachTarget(dynamodbTargets().slice(0, 1), { run: gate.run }, ({ server, track }) => {
    it("a one-character secret key is masked where it stands alone: 'DynamoDB did not answer' keeps its y", async () => {
      const tableName = uniqueTableName("short");
      const creator = storeFor(server(), { tableName, createTable: true, operationTimeoutMs: 30_000 });
      await creator.start();
      await creator.close();
      const store = track(
        storeFor(server(), {
          tableName,
          operationTimeoutMs: 1_500,
          clientConfig: { credentials: { accessKeyId: "AKIDSHORT", secretAccessKey: "y" } },
        }),
      );
      await store.start();
      await store.set("k", bytes(1), 60_000);
      await server().pause();
      try {
        const { error } = await rejection(() => store.get("k"));
        expect((error as SessionKVError).code).toBe(ErrorCode.STORE_UNAVAILABLE);
        expect((error as Error).message).toMatch(/^get: DynamoDB did not answer within \d+ ms/);
        expect(everythingSaidBy(error)).not.toContain("***");
        expect(leakedSecrets(error, ["y"])).toEqual([]);
      } finally {
        await server().unpause();
      }
    });

    it("JSON.stringify, inspection and structuredClone of the store, a registry and a host show no secret key or token", async () => {
      const none = { store: [], registry: [], host: [] };
      const secrets = [SECRET_ACCESS_KEY, SESSION_TOKEN];
      const fixed = track(storeFor(server(), { tableName: uniqueTableName("shown"), createTable: true }));
      expect(leakedSecretsAround(fixed, secrets), "static keys, before start()").toEqual(none);
      await fixed.start();
      await fixed.set("k", bytes(1), 60_000);
      expect(leakedSecretsAround(fixed, secrets), "static keys, started").toEqual(none);
      const { provider, tokens } = rotatingProvider();
      const rotating = track(storeAt(server().url as string, provider, uniqueTableName("shown")));
      await rotating.start();
      await rotating.set("k", bytes(1), 60_000);
      expect(tokens.length).toBeGreaterThan(0);
      expect(leakedSecretsAround(rotating, [SECRET, ...tokens]), "provider").toEqual(none);
    });

    it("a token first resolved after start() and echoed into an error is redacted", async () => {
      const { provider, tokens } = rotatingProvider();
      const store = track(storeAt(server().url as string, provider, uniqueTableName("rotating")));
      await store.start();
      await store.set("k", bytes(1), 60_000);
      const before = tokens.length;
      // The signed request's own token, echoed back as a proxy would: the SDK's error, as sent.
      store.client.middlewareStack.add(
        () => async (args) => {
          const headers = (args.request as { headers: Record<string, string> }).headers;
          throw new Error(`proxy refused ${JSON.stringify(headers)}`);
        },
        { step: "deserialize", name: "sessionkvTestEcho", priority: "low" },
      );
      const { error } = await rejection(() => store.get("k"));
      store.client.middlewareStack.remove("sessionkvTestEcho");
      expect(tokens.length).toBeGreaterThan(before);
      expect((error as Error).message).toContain('"x-amz-security-token":"***"');
      expect(leakedSecrets(error, [SECRET, ...tokens])).toEqual([]);
      expect(await store.get("k")).toEqual(bytes(1));
    });

    it("an access key DynamoDB Local refuses is ERR_STORE_MISCONFIGURED", async () => {
      const { provider, tokens } = rotatingProvider();
      const store = track(storeAt(server().url as string, provider, uniqueTableName("refused")));
      await store.start();
      // DynamoDB Local never checks signatures, but refuses an access key ID that is not
      // letters and digits, with the answer AWS gives for a key it does not know.
      store.client.middlewareStack.add(
        (next) => async (args) => {
          const request = args.request as { headers: Record<string, string> };
          request.headers.authorization = request.headers.authorization!.replace(
            "Credential=AKIDPROVIDED/",
            "Credential=AKID-REFUSED/",
          );
          return next(args);
        },
        { step: "deserialize", name: "sessionkvTestRefusedKey", priority: "low" },
      );
      const { error } = await rejection(() => store.get("k"));
      expect((error as SessionKVError).code).toBe(ErrorCode.STORE_MISCONFIGURED);
      expect((error as Error).message).toContain("UnrecognizedClientException");
      expect(leakedSecrets(error, [SECRET, ...tokens])).toEqual([]);
    });
  });
});
