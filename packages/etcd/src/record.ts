import { deadlineNow, decodeWithDeadline } from "@sessionkv/core/store-kit";
import type { IKeyValue } from "etcd3";
import { parseLeaseId } from "./lease-id.js";

/**
 * A key's exact deadline. `set`/`mset` keep it in the value (core's deadline header) under a
 * shared bucket lease; `expire` re-puts with `ignore_value` under an exact lease, so then the
 * lease ID is the deadline. `null` for values this library did not write (treated as absent).
 */
export function deadlineOf(kv: IKeyValue): number | null {
  const record = decodeWithDeadline(kv.value);
  if (record === null) return null;
  const lease = parseLeaseId(kv.lease);
  return lease?.kind === "exact" ? lease.deadlineMs : record.expiresAtMs;
}

/** The stored value if the key is present and unexpired, else null. */
export function liveValue(kv: IKeyValue | undefined, now = deadlineNow()): Uint8Array | null {
  if (kv === undefined) return null;
  const deadline = deadlineOf(kv);
  if (deadline === null || deadline <= now) return null;
  // A plain Uint8Array copy: a Buffer's `slice()` is a view, and callers (the base store
  // included) rely on `slice()` copying.
  return new Uint8Array(decodeWithDeadline(kv.value)!.value);
}

export type ListedState = "alive" | "expired" | "unknown";

/**
 * What a `keys_only` entry (no value) says about liveness. An exact lease is the deadline. A
 * bucket lease ends at most `bucketMs` after the exact deadline in the value, so only keys
 * within one bucket of their lease's end need their value read; anything else (no lease, a
 * lease this library did not grant) is unknown too.
 */
export function listedState(kv: IKeyValue, bucketMs: number, now = deadlineNow()): ListedState {
  const lease = parseLeaseId(kv.lease);
  if (lease === null) return "unknown";
  if (lease.deadlineMs <= now) return "expired";
  if (lease.kind === "exact" || lease.deadlineMs - bucketMs > now) return "alive";
  return "unknown";
}
