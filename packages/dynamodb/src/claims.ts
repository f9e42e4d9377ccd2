import { type AttributeValue, DeleteItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { deadlineNow } from "@sessionkv/core/store-kit";
import { type Item, toItem } from "./item.js";
import { ATTR, itemKey } from "./schema.js";

/**
 * Claims (README, "How it works": Claims), each one conditional request: DynamoDB evaluates
 * the condition and applies the write as one atomic step on the item. An item past its exact deadline is still
 * returned until the reaper deletes it (up to days late), so "absent" is spelled out: no item,
 * or one whose deadline has passed (or that this library did not write, without a deadline).
 */
const ABSENT_CONDITION = "attribute_not_exists(#pk) OR attribute_not_exists(#exp) OR #exp <= :now";

/**
 * The live item holds exactly the caller's bytes. The empty value is stored as no value
 * attribute (item.ts), so it is compared as such; any other value with binary equality,
 * which DynamoDB judges byte for byte.
 */
const EQUAL_CONDITION = "#exp > :now AND #val = :val";
const EQUAL_EMPTY_CONDITION = "#exp > :now AND attribute_not_exists(#val)";

export function claimCommand(tableName: string, tag: string, key: string, value: Uint8Array, ttlMs: number) {
  const now = deadlineNow();
  const item: Item = toItem(tag, key, value, ttlMs, now);
  return new PutItemCommand({
    TableName: tableName,
    Item: item,
    ConditionExpression: ABSENT_CONDITION,
    ExpressionAttributeNames: { "#pk": ATTR.partition, "#exp": ATTR.expiresAtMs },
    ExpressionAttributeValues: { ":now": { N: String(now) } },
  });
}

export function releaseCommand(tableName: string, tag: string, key: string, value: Uint8Array) {
  const values: Record<string, AttributeValue> = { ":now": { N: String(deadlineNow()) } };
  if (value.byteLength > 0) values[":val"] = { B: value.slice() };
  return new DeleteItemCommand({
    TableName: tableName,
    Key: itemKey(tag, key),
    ConditionExpression: value.byteLength > 0 ? EQUAL_CONDITION : EQUAL_EMPTY_CONDITION,
    ExpressionAttributeNames: { "#exp": ATTR.expiresAtMs, "#val": ATTR.value },
    ExpressionAttributeValues: values,
  });
}
