/**
 * The store contract's partition rule (core README, "Partitions"): a key's partition is the key
 * up to and including its second `/` (`sessions/{callId}/`); a key with fewer than two `/` has
 * none. Every key that starts with a prefix containing two `/` has that prefix's partition, so
 * such a listing stays inside one partition: the unit a backend indexes its listings by.
 */
export function partitionOf(keyOrPrefix: string): string | undefined {
  const first = keyOrPrefix.indexOf("/");
  if (first === -1) return undefined;
  const second = keyOrPrefix.indexOf("/", first + 1);
  return second === -1 ? undefined : keyOrPrefix.slice(0, second + 1);
}
