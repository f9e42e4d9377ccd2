import { randomBytes } from "node:crypto";
import type { SessionKVStore } from "@sessionkv/core";
import { type StoreOperation, aroundStore, touchedKeys } from "@sessionkv/core/testing";
import { bytes } from "../expect.js";
import { type Presence, type Stamp, UNPROVEN, extended, timed, written } from "../stamps.js";
import type { Timing } from "../timing.js";
import type { CaseContext } from "../types.js";

/** Scheduling slack of a loaded 2-core CI machine, added to every "within" bound of the host cases. */
export const HOST_SLACK_MS = 1_500;

/**
 * Registry TTL and maintenance interval for the host cases: the TTL is at least twice the store's
 * shortest exact TTL (etcd's 2 s lease minimum, the 1 s clocks) and the interval a quarter of it,
 * so a heartbeat may be late by more than half a TTL before a record is at risk.
 */
export function hostTiming(timing: Timing): { ttlMs: number; intervalMs: number } {
  const ttlMs = Math.max(2_000, timing.shortTtlMs * 2);
  return { ttlMs, intervalMs: Math.floor(ttlMs / 4) };
}

/**
 * `count` stores that see the same data, one per simulated node: separate stores in the case's
 * namespace when the factory's stores share a server (a connection per node, as in production),
 * else the case's store itself (in-process stores are each their own world).
 */
export async function nodeStores(context: CaseContext, count: number): Promise<SessionKVStore[]> {
  const probe = `probe-${randomBytes(6).toString("hex")}`;
  await context.store.set(probe, bytes("1"), 60_000);
  const stores: SessionKVStore[] = [context.store];
  try {
    for (let i = 1; i < count; i++) {
      const other = await context.newStore({ namespace: context.namespace });
      stores.push((await other.get(probe)) === null ? context.store : other);
    }
  } finally {
    await context.store.delete([probe]);
  }
  return stores;
}

/**
 * The store, stamping every write that a component (a host, a registry) makes through it, so a
 * case can tell where the records it wrote are provably present however late its timers fired.
 */
export function stampedStore(store: SessionKVStore): {
  store: SessionKVStore;
  presenceOf(key: string): Presence;
} {
  const log: { operation: StoreOperation; key: string; ttlMs?: number; stamp: Stamp }[] = [];
  const stamped = aroundStore(store, async (operation, args, call) => {
    const { value, stamp } = await timed(call);
    for (const t of touchedKeys(operation, args)) log.push({ operation, ...t, stamp });
    return value;
  });
  return {
    store: stamped,
    presenceOf(key) {
      let presence = UNPROVEN;
      // In issue order, since a write's effect dates from when it was issued.
      for (const entry of [...log].sort((a, b) => a.stamp.issuedAt - b.stamp.issuedAt)) {
        if (entry.key !== key) continue;
        if (entry.operation === "delete") presence = UNPROVEN;
        if (entry.ttlMs === undefined) continue;
        // A conditional set (onlyIfExists) only refreshes a live record: it is an extension.
        presence =
          entry.operation === "expire" || (entry.operation === "set" && presence !== UNPROVEN)
            ? extended(presence, entry.stamp, entry.ttlMs)
            : written(entry.stamp, entry.ttlMs);
      }
      return presence;
    },
  };
}

/** A record byte for byte as the Python original writes it (`json.dumps` of the dataclass, plus extras). */
export function pythonRecord(callId: string, sessionId: string, extra = ""): Uint8Array {
  return bytes(
    `{"session_id": "${sessionId}", "call_id": "${callId}", "node_id": "py-node-1", "started_at": 1763716274.123456, ` +
      `"metrics_updated_at": 1763716279.5, "metrics": {"llm_latency_ms": 412.5, "turns": 3, "stt_errors": null, "vendor_x_score": 0.25}${extra}}`,
  );
}
