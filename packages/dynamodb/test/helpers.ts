import { randomBytes } from "node:crypto";
import type { DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import type { StartedServer } from "@sessionkv/test-kit";
import { DynamoDBSessionKVStore, type DynamoDBSessionKVStoreOptions } from "../src/index.js";

/** Emulators accept any credentials; the secret is distinctive so a leak into an error is detectable. */
export const SECRET_ACCESS_KEY = "sessionkv-test-SECRET-4f9c2a";
export const SESSION_TOKEN = "sessionkv-test-TOKEN-77e1d0";

export function clientConfigFor(
  server: StartedServer,
  extra: Partial<DynamoDBClientConfig> = {},
): DynamoDBClientConfig {
  return {
    endpoint: server.url,
    region: "us-east-1",
    credentials: {
      accessKeyId: "AKIDSESSIONKVTEST",
      secretAccessKey: SECRET_ACCESS_KEY,
      sessionToken: SESSION_TOKEN,
    },
    ...extra,
  };
}

export function uniqueTableName(label: string): string {
  return `skv-${label}-${randomBytes(4).toString("hex")}`;
}

export function storeFor(
  server: StartedServer,
  options: Omit<DynamoDBSessionKVStoreOptions, "clientConfig"> & {
    clientConfig?: Partial<DynamoDBClientConfig>;
  },
): DynamoDBSessionKVStore {
  const { clientConfig, ...rest } = options;
  return new DynamoDBSessionKVStore({
    ...rest,
    ...(rest.client ? {} : { clientConfig: clientConfigFor(server, clientConfig) }),
  });
}

export const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
