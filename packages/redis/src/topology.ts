import type { Cluster, Redis } from "ioredis";
import { coveringMasters } from "./coverage.js";
import { hashSlot } from "./slot.js";

export type RedisClient = Redis | Cluster;

/**
 * Everything that differs between one server (standalone, or the primary a Sentinel client
 * follows) and a Redis Cluster, in one place, so the store itself has a single code path:
 * - a SCAN sees only the keys of the node it runs on, so in a cluster it runs on every master
 *   that owns slots, checked against a fresh slot map;
 * - a multi-key command or a pipeline must keep to one hash slot in a cluster (CROSSSLOT), so
 *   batches are split by slot there and sent concurrently; one server takes the batch whole.
 */
export interface Topology {
  readonly cluster: boolean;
  /** The nodes whose SCANs together list every key; rejects when some slots have none. */
  scanNodes(): Promise<readonly Redis[]>;
  /** Splits a batch into groups that one pipeline or multi-key command may carry. */
  partition<T>(items: readonly T[], keyOf: (item: T) => string): readonly (readonly T[])[];
}

export function isCluster(client: RedisClient): client is Cluster {
  // `isCluster` rather than instanceof: the caller's client may come from another copy of ioredis.
  return (client as { isCluster?: unknown }).isCluster === true;
}

export function topologyOf(client: RedisClient): Topology {
  if (!isCluster(client)) {
    return {
      cluster: false,
      scanNodes: async () => [client],
      partition: (items) => [items],
    };
  }
  return {
    cluster: true,
    scanNodes: () => coveringMasters(client),
    partition<T>(items: readonly T[], keyOf: (item: T) => string) {
      const bySlot = new Map<number, T[]>();
      for (const item of items) {
        const slot = hashSlot(keyOf(item));
        const group = bySlot.get(slot);
        if (group === undefined) bySlot.set(slot, [item]);
        else group.push(item);
      }
      return [...bySlot.values()];
    },
  };
}
