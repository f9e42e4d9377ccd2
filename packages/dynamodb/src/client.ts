import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { StoreClient } from "@sessionkv/core/store-kit";
import type { DynamoDBSessionKVStoreOptions } from "./options.js";

/** SDK attempts per request (its own retries of throttling and transient errors). */
const MAX_ATTEMPTS = 3;

/**
 * The SDK client the store talks through: the caller's `client`, used as is and never destroyed
 * by the store, or one created from `clientConfig` (destroyed on close()) whose timeouts fit the
 * operation's budget unless `clientConfig` sets them.
 */
export function openClient(
  options: DynamoDBSessionKVStoreOptions,
  budgetMs: number,
): StoreClient<DynamoDBClient> {
  if (options.client !== undefined) return { client: options.client, owned: false };
  // Per-attempt timeouts so that the SDK's own retries fit in the operation's budget: a
  // silent server fails an attempt at half the budget, leaving room for one more try.
  // Connecting gets the same: a busy server can take seconds to accept a connection
  // (DynamoDB Local at a load of 30 took over 1 s, three times running), and a closed port
  // is refused at once anyway.
  const attemptMs = Math.max(1, Math.ceil(budgetMs / 2));
  const client = new DynamoDBClient({
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: {
      connectionTimeout: attemptMs,
      requestTimeout: attemptMs,
      throwOnRequestTimeout: true,
    },
    ...options.clientConfig,
  });
  return { client, owned: true };
}
