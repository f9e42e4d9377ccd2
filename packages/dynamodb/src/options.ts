import type { DynamoDBClient, DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import {
  type BaseStoreOptions,
  invalidArgument,
  validateBoolean,
  validateInteger,
  validateKeyPrefix,
  validateOptionsObject,
} from "@sessionkv/core/store-kit";
import { MAX_NAMESPACE_TAG_BYTES, namespaceTag } from "./schema.js";

export interface DynamoDBSessionKVStoreOptions extends BaseStoreOptions {
  /** An existing client. The store never destroys it. Exclusive with `clientConfig`. */
  readonly client?: DynamoDBClient;
  /**
   * Settings for a client the store creates (and destroys on close). The store fills in
   * `maxAttempts` and request timeouts derived from `operationTimeoutMs` unless given here.
   */
  readonly clientConfig?: DynamoDBClientConfig;
  /** Table holding the records; see the README for its key schema. */
  readonly tableName: string;
  /** Namespace: stores with different prefixes never see each other's keys. Default "". */
  readonly keyPrefix?: string;
  /** Create the table (PAY_PER_REQUEST, TTL on `ttl`) when missing, at start(). Default false. */
  readonly createTable?: boolean;
  /** Requests in flight at once for one batch operation (batch chunks, expire's UpdateItems). Default 16. */
  readonly concurrency?: number;
}

// DynamoDB's table-name rule; checked here so a typo fails at construction, not at the first call.
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

export interface ResolvedOptions {
  readonly tableName: string;
  readonly keyPrefix: string;
  readonly tag: string;
  readonly createTable: boolean;
  readonly concurrency: number;
}

export function resolveOptions(options: DynamoDBSessionKVStoreOptions): ResolvedOptions {
  validateOptionsObject(options);
  const { tableName, keyPrefix = "", createTable = false, concurrency = 16 } = options;
  if (typeof tableName !== "string" || !TABLE_NAME.test(tableName)) {
    throw invalidArgument("tableName", "must be 3 to 255 characters of A-Z a-z 0-9 _ . -");
  }
  validateKeyPrefix(keyPrefix);
  const tag = namespaceTag(keyPrefix);
  if (Buffer.byteLength(tag, "utf8") > MAX_NAMESPACE_TAG_BYTES) {
    throw invalidArgument(
      "keyPrefix",
      `must be shorter (at most about ${MAX_NAMESPACE_TAG_BYTES - 8} UTF-8 bytes)`,
    );
  }
  validateBoolean(createTable, "createTable");
  validateInteger(concurrency, "concurrency", 1);
  if (options.client !== undefined && options.clientConfig !== undefined) {
    throw invalidArgument("client", "and clientConfig are exclusive: pass one");
  }
  return { tableName, keyPrefix, tag, createTable, concurrency };
}

/** Secret parts of static credentials in a client configuration. */
export function staticSecrets(config: DynamoDBClientConfig | undefined): string[] {
  const credentials = config?.credentials;
  if (credentials === undefined || typeof credentials === "function") return [];
  return [credentials.secretAccessKey, credentials.sessionToken].filter(
    (s): s is string => typeof s === "string" && s !== "",
  );
}
