import { randomInt } from "node:crypto";

/**
 * The store picks its own lease IDs (LeaseGrant accepts a requested ID) so that every ID
 * carries its lease's deadline:
 *
 *   [kind: 1 bit][deadline, epoch ms: 42 bits][random: 20 bits]   (63 bits: a positive int64)
 *
 * Every range response — `keys_only` listings included — returns each key's lease ID, so a
 * reader learns a key's deadline without its value, and because IDs sort by deadline the
 * server itself can check "this key's lease ends after T" in a transaction compare
 * (`lease > floorId(T)`), atomically with the write it guards. Random bits keep the IDs of
 * different clients apart; the kind bit on top lets a compare select exact leases.
 *
 * - `bucket` leases are shared by every write whose exact deadline falls in one bucket
 *   (`leaseBucketMs`); the lease ends at the bucket's end and the key's exact deadline is in
 *   its value (core's deadline header).
 * - `exact` leases end at the key's exact deadline; `expire` uses them because it re-puts with
 *   `ignore_value` and so cannot change the deadline stored in the value.
 * - `kept` leases (the `heartbeatLeases` option) are exact leases whose deadline field is the
 *   largest one: the server's lease is then the deadline, renewed by keepalives, so every
 *   reader and guard treats their keys as alive for as long as the server keeps them.
 */
export type LeaseKind = "bucket" | "exact";

const RANDOM_BITS = 20n;
const RANDOM_MASK = (1n << RANDOM_BITS) - 1n;
/** Exact leases sort above every bucket lease, so a compare can tell the kinds apart. */
export const EXACT_BASE = 1n << 62n;
/** 2^42 ms is in the year 2109. */
const MAX_DEADLINE_MS = 2 ** 42 - 1;

export interface LeaseInfo {
  readonly deadlineMs: number;
  readonly kind: LeaseKind;
}

/** A fresh ID for a kept lease (see above): to readers, an exact lease that never ends. */
export function keptLeaseId(): string {
  return leaseIdFor(MAX_DEADLINE_MS, "exact");
}

export function leaseIdFor(deadlineMs: number, kind: LeaseKind): string {
  if (!Number.isInteger(deadlineMs) || deadlineMs <= 0 || deadlineMs > MAX_DEADLINE_MS) {
    throw new RangeError(`lease deadline ${deadlineMs} out of range`);
  }
  const random = BigInt(randomInt(1, 2 ** Number(RANDOM_BITS)));
  return ((kind === "exact" ? EXACT_BASE : 0n) | (BigInt(deadlineMs) << RANDOM_BITS) | random).toString();
}

/** `null` for "no lease" (`0`) and IDs this library did not choose (out of its range). */
export function parseLeaseId(id: string | number | undefined): LeaseInfo | null {
  if (id === undefined) return null;
  let value: bigint;
  try {
    value = BigInt(id);
  } catch {
    return null;
  }
  if (value <= 0n || value >= EXACT_BASE << 1n || (value & RANDOM_MASK) === 0n) return null;
  const deadlineMs = Number((value & (EXACT_BASE - 1n)) >> RANDOM_BITS);
  if (deadlineMs === 0 || deadlineMs > MAX_DEADLINE_MS) return null;
  return { deadlineMs, kind: value >= EXACT_BASE ? "exact" : "bucket" };
}

/** The largest lease ID of `kind` ending at or before `ms`: `lease > floorId(ms, kind)` ⇔ ends after `ms` (exact: and is exact). */
export function floorId(ms: number, kind: LeaseKind): string {
  const base = kind === "exact" ? EXACT_BASE : 0n;
  return (base | (BigInt(Math.max(0, Math.floor(ms))) << RANDOM_BITS) | RANDOM_MASK).toString();
}

/** Deadline of the lease a write with exact deadline `deadlineMs` gets. Never earlier than it. */
export function leaseDeadline(deadlineMs: number, kind: LeaseKind, bucketMs: number): number {
  // A bucket lease ends strictly after every deadline in its bucket, and its bucket starts at
  // or before them: listings rely on both bounds (record.ts).
  return kind === "exact" ? Math.ceil(deadlineMs) : (Math.floor(deadlineMs / bucketMs) + 1) * bucketMs;
}
