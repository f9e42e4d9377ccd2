import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { partitionOf } from "@sessionkv/core/store-kit";

/**
 * Table layout (documented in the README, "Key schema"):
 *
 *   pk (S, partition key) = namespace tag + the key's partition, up to and including its
 *                           second "/" (core README, "Partitions"; the whole key when it has none)
 *   sk (S, sort key)      = the whole key, exactly as the caller wrote it
 *   val (B)               = the value; absent for the empty value
 *   expiresAtMs (N)       = exact deadline, epoch milliseconds; every read filters on it
 *   ttl (N)               = the same deadline in epoch seconds, rounded up: DynamoDB's TTL reaper
 *
 * Why: the registry lists `sessions/{callId}/` and `close_requests/{callId}/`. Every key under
 * such a prefix shares its first two segments, hence its partition, so the listing is one
 * Query on one partition instead of a Scan of the table. A prefix without two "/" can match
 * keys in many partitions and falls back to a filtered Scan.
 */
export const ATTR = {
  partition: "pk",
  sort: "sk",
  value: "val",
  expiresAtMs: "expiresAtMs",
  ttl: "ttl",
} as const;

/** DynamoDB's limits on key attributes, in UTF-8 bytes. */
const PARTITION_KEY_MAX_BYTES = 2048;
const SORT_KEY_MAX_BYTES = 1024;

/**
 * The sort key is the whole key, so a key may be as long as a sort key. The partition key holds
 * at most the whole key plus the namespace tag, which therefore gets the remaining 1024 bytes.
 */
export const MAX_KEY_BYTES = SORT_KEY_MAX_BYTES;
export const MAX_NAMESPACE_TAG_BYTES = PARTITION_KEY_MAX_BYTES - MAX_KEY_BYTES;

/**
 * The namespace is length-prefixed rather than simply prepended: with plain concatenation,
 * prefix "a" + key "b/c/d" and prefix "ab" + key "/c/d" would share a partition and one
 * namespace's listing would see the other's keys.
 */
export function namespaceTag(keyPrefix: string): string {
  return `${keyPrefix.length}:${keyPrefix}`;
}

/** The item's partition key attribute: the namespace tag, then the key's partition (or the whole key). */
export function partitionKey(tag: string, key: string): string {
  return tag + (partitionOf(key) ?? key);
}

/** The primary key of an item: `{ pk: { S }, sk: { S } }`. */
export type ItemKey = Record<string, AttributeValue>;

export function itemKey(tag: string, key: string): ItemKey {
  return { [ATTR.partition]: { S: partitionKey(tag, key) }, [ATTR.sort]: { S: key } };
}

/**
 * How `keys(prefix)` reads: a prefix that already contains the partition boundary names exactly
 * one partition (every key starting with it has the same first two segments) → Query with
 * begins_with on the sort key. Any other prefix → Scan filtered by begins_with on the
 * partition key, which is exact: for a key K starting with such a prefix P, partitionKey(K)
 * starts with tag + P because K's second "/" (if any) lies beyond P.
 */
export type ListingPlan =
  | { readonly kind: "query"; readonly partition: string; readonly sortPrefix: string }
  | { readonly kind: "scan"; readonly partitionPrefix: string };

export function listingPlan(tag: string, prefix: string): ListingPlan {
  const partition = partitionOf(prefix);
  if (partition === undefined) return { kind: "scan", partitionPrefix: tag + prefix };
  return { kind: "query", partition: tag + partition, sortPrefix: prefix };
}
