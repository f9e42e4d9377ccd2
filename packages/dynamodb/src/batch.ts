import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  type DynamoDBClient,
  type KeysAndAttributes,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { chunk } from "@sessionkv/core/store-kit";
import { type Budget, backoffMs } from "./budget.js";
import { mapLimit } from "./concurrency.js";
import type { Item } from "./item.js";
import type { ItemKey } from "./schema.js";

/** DynamoDB's per-call limits: 25 write requests per BatchWriteItem, 100 keys per BatchGetItem. */
const BATCH_WRITE_MAX = 25;
const BATCH_GET_MAX = 100;

export interface BatchContext {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly budget: Budget;
  /** Batch calls in flight at once for one operation. */
  readonly concurrency: number;
}

/**
 * Writes every request. BatchWriteItem succeeds as a call even when it processed only part of
 * the batch (throttling, partition limits): the rest comes back as UnprocessedItems and must be
 * resent, with backoff, until done or the operation's time runs out.
 */
export async function batchWrite(ctx: BatchContext, requests: readonly WriteRequest[]): Promise<void> {
  await mapLimit(chunk(requests, BATCH_WRITE_MAX), ctx.concurrency, async (batch) => {
    let pending: WriteRequest[] = batch;
    for (let attempt = 0; ; ) {
      const out = await ctx.client.send(
        new BatchWriteItemCommand({ RequestItems: { [ctx.tableName]: pending } }),
        {
          abortSignal: ctx.budget.signal,
        },
      );
      const left = out.UnprocessedItems?.[ctx.tableName] ?? [];
      if (left.length === 0) return;
      // Partial progress means the table is serving: retry promptly; none means back off harder.
      attempt = left.length < pending.length ? 0 : attempt + 1;
      pending = left;
      await ctx.budget.backoff(backoffMs(attempt), `${pending.length} unprocessed batch writes`);
    }
  });
}

/**
 * Reads every key (strongly consistent) and returns the items found, in no particular order.
 * UnprocessedKeys come back under throttling and also whenever a response would exceed 16 MB
 * (100 large values), so they are requested again until none remain.
 */
export async function batchGet(
  ctx: BatchContext,
  keys: readonly ItemKey[],
  projection: KeysAndAttributes,
): Promise<Item[]> {
  const pages = await mapLimit(chunk(keys, BATCH_GET_MAX), ctx.concurrency, async (batch) => {
    const found: Item[] = [];
    let pending: KeysAndAttributes = { ...projection, Keys: batch, ConsistentRead: true };
    for (let attempt = 0; ; ) {
      const out = await ctx.client.send(
        new BatchGetItemCommand({ RequestItems: { [ctx.tableName]: pending } }),
        {
          abortSignal: ctx.budget.signal,
        },
      );
      const items = out.Responses?.[ctx.tableName] ?? [];
      found.push(...items);
      const left = out.UnprocessedKeys?.[ctx.tableName];
      if (left?.Keys === undefined || left.Keys.length === 0) return found;
      attempt = items.length > 0 ? 0 : attempt + 1;
      pending = { ...pending, Keys: left.Keys };
      await ctx.budget.backoff(backoffMs(attempt), `${left.Keys.length} unprocessed batch reads`);
    }
  });
  return pages.flat();
}
