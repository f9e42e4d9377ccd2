import { ErrorCode, SessionKVError } from "@sessionkv/core";
import { deadlineNow, encodeWithDeadline, equalBytes } from "@sessionkv/core/store-kit";
import type { ICompare, KVClient } from "etcd3";
import { floorId, parseLeaseId } from "./lease-id.js";
import type { CallOptions, LeasePool } from "./lease-pool.js";
import type { Reader } from "./reader.js";
import { liveValue } from "./record.js";

/** Reads before a key that keeps changing under a release is reported as contended. */
const RELEASE_ROUNDS = 50;

/**
 * `deleteIfEquals` (README, "Design: leases, deadlines and guards": Claims). The stored value
 * carries its deadline in front of the caller's bytes (record.ts), and an etcd compare sees the
 * whole value, so no compare can say "the caller's part equals": the key is read, and deleted in a transaction that compares its
 * `mod_revision` with the one read (any write in between, a refresh included, changes it) and
 * that it is still alive. A compare that fails means someone wrote the key meanwhile: read again.
 * Never a delete of a key the server did not hold, unchanged, with the caller's value.
 */
export async function deleteIfEquals(
  kv: KVClient,
  reader: Reader,
  pool: LeasePool,
  callOptions: () => CallOptions,
  key: Buffer,
  value: Uint8Array,
): Promise<boolean> {
  for (let round = 0; round < RELEASE_ROUNDS; round++) {
    const current = await reader.get(key);
    const now = deadlineNow();
    const live = liveValue(current, now);
    if (current === undefined || live === null || !equalBytes(live, value)) return false;
    const compare: ICompare[] = [
      { key, target: "Mod", result: "Equal", mod_revision: current.mod_revision },
      aliveCompare(key, current.lease, now),
    ];
    const response = await kv.txn(
      { compare, success: [{ request_delete_range: { key, prev_kv: true } }] },
      callOptions(),
    );
    if (!response.succeeded) continue;
    // The lease stays for the next claim, as a refused claim's does (writer.ts): claims churn.
    for (const result of response.responses)
      for (const prev of result.response_delete_range?.prev_kvs ?? [])
        pool.release(prev.lease, 1, prev.key, false);
    return true;
  }
  throw new SessionKVError(
    ErrorCode.STORE_UNAVAILABLE,
    `deleteIfEquals: the key kept changing during ${RELEASE_ROUNDS} rounds`,
  );
}

/** The server's check that a key read alive is still alive: its exact lease, or its value's deadline header. */
function aliveCompare(key: Buffer, lease: string, now: number): ICompare {
  if (parseLeaseId(lease)?.kind === "exact")
    return { key, target: "Lease", result: "Greater", lease: floorId(now, "exact") };
  return { key, target: "Value", result: "Greater", value: encodeWithDeadline(new Uint8Array(0), now + 0.5) };
}
