import {
  type AttributeValue,
  type DynamoDBClient,
  QueryCommand,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";
import type { Budget } from "./budget.js";
import { type Item, sortKeyOf } from "./item.js";
import { ATTR, type ListingPlan } from "./schema.js";

export interface ListingContext {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly budget: Budget;
}

interface Page {
  readonly Items?: Item[];
  readonly LastEvaluatedKey?: Record<string, AttributeValue>;
}

const NAMES = { "#pk": ATTR.partition, "#sk": ATTR.sort, "#exp": ATTR.expiresAtMs };

/**
 * Every unexpired key of the plan, following LastEvaluatedKey through all pages (each page is at
 * most 1 MB of items read, before filtering). Only the sort key — the caller's key — comes back.
 */
export async function listKeys(ctx: ListingContext, plan: ListingPlan, now: number): Promise<string[]> {
  const found: string[] = [];
  const nowValue = { N: String(now) };
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page: Page =
      plan.kind === "query"
        ? await ctx.client.send(
            new QueryCommand({
              TableName: ctx.tableName,
              KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :sk)",
              FilterExpression: "#exp > :now",
              ProjectionExpression: "#sk",
              ExpressionAttributeNames: NAMES,
              ExpressionAttributeValues: {
                ":pk": { S: plan.partition },
                ":sk": { S: plan.sortPrefix },
                ":now": nowValue,
              },
              ConsistentRead: true,
              ExclusiveStartKey: start,
            }),
            { abortSignal: ctx.budget.signal },
          )
        : // The namespace filter is on the partition key, whose value starts with the namespace tag.
          await ctx.client.send(
            new ScanCommand({
              TableName: ctx.tableName,
              FilterExpression: "begins_with(#pk, :pk) AND #exp > :now",
              ProjectionExpression: "#sk",
              ExpressionAttributeNames: NAMES,
              ExpressionAttributeValues: { ":pk": { S: plan.partitionPrefix }, ":now": nowValue },
              ConsistentRead: true,
              ExclusiveStartKey: start,
            }),
            { abortSignal: ctx.budget.signal },
          );
    for (const item of page.Items ?? []) {
      const key = sortKeyOf(item);
      if (key !== undefined) found.push(key);
    }
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return found;
}
