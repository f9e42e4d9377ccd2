import { ErrorCode, SessionKVError } from "@sessionkv/core";
import type { Cluster, Redis } from "ioredis";
import { SLOT_COUNT } from "./slot.js";

/**
 * The masters whose SCANs together cover every hash slot, checked against the cluster's own
 * slot map (CLUSTER SLOTS) before each listing. `cluster.nodes("master")` alone is not enough:
 * ioredis drops a node from it when its connection ends and adds it back only when a routed
 * command fails, so a listing through it can silently miss a master's share of the keyspace
 * (README, "Cluster, Sentinel, TLS": 180 of 300 keys for 20 s after a CLIENT KILL). When the
 * client's view is stale, its slot cache is refreshed (which also reconnects
 * dropped masters) and checked again; slots with no master, or a master the client still cannot
 * reach, reject with ERR_STORE_UNAVAILABLE rather than answer with part of the keys.
 */
export async function coveringMasters(cluster: Cluster): Promise<Redis[]> {
  const first = await plan(cluster);
  if (first.nodes !== null) return first.nodes;
  await refreshSlots(cluster);
  const second = await plan(cluster);
  if (second.nodes !== null) return second.nodes;
  throw uncovered(second.stale[0], second.stale[1], "its master is not connected");
}

type Plan = { nodes: Redis[]; stale: null } | { nodes: null; stale: [number, number] };

async function plan(cluster: Cluster): Promise<Plan> {
  const ranges = await cluster.cluster("SLOTS");
  const covered = new Uint8Array(SLOT_COUNT);
  for (const [start, end] of ranges) covered.fill(1, start, end + 1);
  const gap = covered.indexOf(0);
  if (gap !== -1) {
    const end = covered.indexOf(1, gap);
    throw uncovered(gap, end === -1 ? SLOT_COUNT - 1 : end - 1, "no master in the cluster's slot map");
  }
  const masters = new Map<string, Redis>();
  for (const node of cluster.nodes("master")) masters.set(`${node.options.host}:${node.options.port}`, node);
  // With a NAT map ioredis's addresses differ from the announced ones: its own (refreshed) map decides.
  const announcedIsReachable = cluster.options.natMap === undefined;
  const chosen = new Map<string, Redis>();
  for (const [start, end, master] of ranges) {
    const [host, port] = master ?? [];
    const owner = cluster.slots[start]?.[0];
    const node = owner === undefined ? undefined : masters.get(owner);
    const agrees =
      node !== undefined &&
      cluster.slots[end]?.[0] === owner &&
      (!announcedIsReachable || owner === `${host}:${port}`);
    if (!agrees) return { nodes: null, stale: [start, end] };
    chosen.set(owner as string, node);
  }
  return { nodes: [...chosen.values()], stale: null };
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
