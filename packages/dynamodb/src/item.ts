import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { ceilSeconds, deadlineFor, deadlineNow } from "@sessionkv/core/store-kit";
import { ATTR, itemKey } from "./schema.js";

export type Item = Record<string, AttributeValue>;

/** The two expiry attributes for a TTL starting now, as update/condition values. */
export function expiryValues(
  ttlMs: number,
  now = deadlineNow(),
): { exact: AttributeValue; reaper: AttributeValue } {
  const expiresAtMs = deadlineFor(ttlMs, now);
  return { exact: { N: String(expiresAtMs) }, reaper: { N: String(ceilSeconds(expiresAtMs)) } };
}

export function toItem(
  tag: string,
  key: string,
  value: Uint8Array,
  ttlMs: number,
  now = deadlineNow(),
): Item {
  const { exact, reaper } = expiryValues(ttlMs, now);
  const item: Item = { ...itemKey(tag, key), [ATTR.expiresAtMs]: exact, [ATTR.ttl]: reaper };
  // The empty value is stored as "no value attribute": DynamoDB refused empty Binary attributes
  // until 2020 and older DynamoDB Local builds still do. The SDK marshals the Uint8Array as is,
  // so it is copied here: a caller mutating its buffer while the request is queued changes nothing.
  if (value.byteLength > 0) item[ATTR.value] = { B: value.slice() };
  return item;
}

/** Exact deadline of a stored item, or NaN for an item this library did not write. */
function expiresAtOf(item: Item): number {
  const attr = item[ATTR.expiresAtMs];
  return attr?.N === undefined ? Number.NaN : Number(attr.N);
}

/**
 * The value of an item read back, or null when it is expired (DynamoDB's reaper deletes up to
 * days late, so the server still returns such items) or not one of ours.
 */
export function liveItemValue(item: Item | undefined, now = deadlineNow()): Uint8Array | null {
  if (item === undefined) return null;
  if (!(expiresAtOf(item) > now)) return null;
  const attr = item[ATTR.value];
  if (attr === undefined) return new Uint8Array(0);
  if (attr.B === undefined) return null;
  // The SDK's buffer may be a view into the whole response: hand out an owned copy.
  return attr.B.slice();
}

export function sortKeyOf(item: Item): string | undefined {
  return item[ATTR.sort]?.S;
}
