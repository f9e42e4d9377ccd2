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
  // ioredis's own map keeps slots the cluster no longer serves, so coverage is read from the
  // server's answer; the node of each range is then taken from ioredis's map (NAT-mapped).
  const ranges = (await cluster.cluster("SLOTS")) as [number, number, ...unknown[]][];
  const masters = new Map<string, Redis>();
  for (const node of cluster.nodes("master")) masters.set(`${node.options.host}:${node.options.port}`, node);
  const chosen = new Map<string, Redis>();
  const covered = new Uint8Array(SLOT_COUNT);
  for (const [start, end] of ranges) {
    const owner = cluster.slots[start]?.[0];
    const node = owner === undefined ? undefined : masters.get(owner);
    if (node === undefined) throw uncovered(start, end, `master ${owner ?? "?"} is not connected`);
    chosen.set(owner as string, node);
    covered.fill(1, start, end + 1);
  }
  const gap = covered.indexOf(0);
  if (gap !== -1) {
    const end = covered.indexOf(1, gap);
    throw uncovered(gap, end === -1 ? SLOT_COUNT - 1 : end - 1, "no master in the slot map");
  }
  return [...chosen.values()];
}

function refreshSlots(cluster: Cluster): Promise<void> {
  return new Promise((resolve, reject) => {
    cluster.refreshSlotsCache((error?: Error | null) => (error ? reject(error) : resolve()));
  });
}

function uncovered(start: number, end: number, why: string): SessionKVError {
  return new SessionKVError(
    ErrorCode.STORE_UNAVAILABLE,
    `keys: cluster slots ${start}-${end} are not covered (${why}); a listing would be incomplete`,
  );
}
