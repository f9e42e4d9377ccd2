import { ErrorCode, SessionKVError } from "@sessionkv/core";
import type { Cluster, Redis } from "ioredis";
import { SLOT_COUNT } from "./slot.js";

/**
 * The masters whose SCANs together cover every hash slot, from a freshly read slot map.
 * `cluster.nodes("master")` alone is not enough: ioredis drops a node from it when its
 * connection ends and adds it back only when a routed command fails, so a listing through it
 * can silently miss a third of the keyspace (issue #11, item 7). Each listing therefore
 * refreshes the slot map (CLUSTER SLOTS, which also reconnects dropped masters) and checks that
 * every slot has a master the client is connected to, or rejects with ERR_STORE_UNAVAILABLE.
 */
export async function coveringMasters(cluster: Cluster): Promise<Redis[]> {
  await refreshSlots(cluster);
  const masters = new Map<string, Redis>();
  for (const node of cluster.nodes("master")) masters.set(`${node.options.host}:${node.options.port}`, node);
  const chosen = new Map<string, Redis>();
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    const owner = cluster.slots[slot]?.[0];
    const node = owner === undefined ? undefined : masters.get(owner);
    if (owner === undefined || node === undefined) throw uncovered(cluster, slot);
    chosen.set(owner, node);
  }
  return [...chosen.values()];
}

function refreshSlots(cluster: Cluster): Promise<void> {
  return new Promise((resolve, reject) => {
    cluster.refreshSlotsCache((error?: Error | null) => (error ? reject(error) : resolve()));
  });
}

/** The whole range of slots around `slot` that shares its (missing) owner, for the message. */
function uncovered(cluster: Cluster, slot: number): SessionKVError {
  const owner = cluster.slots[slot]?.[0];
  let end = slot;
  while (end + 1 < SLOT_COUNT && cluster.slots[end + 1]?.[0] === owner) end++;
  const who = owner === undefined ? "no master in the slot map" : `master ${owner} is not connected`;
  return new SessionKVError(
    ErrorCode.STORE_UNAVAILABLE,
    `keys: cluster slots ${slot}-${end} are not covered (${who}); a listing would be incomplete`,
  );
}
