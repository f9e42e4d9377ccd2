import type { NodeInfo } from "@sessionkv/core";
import { isoTime } from "./wire.js";

/** One node as `GET /nodes` shows it: core's `NodeInfo` (README "Node records") in snake_case. */
export interface NodeBody {
  readonly node_id: string;
  /** Sessions the node hosted when it last wrote its record. */
  readonly session_count: number;
  /** It refuses new sessions (a start there answers 503 `ERR_DRAINING`). */
  readonly draining: boolean;
  /** When the node's host started. */
  readonly started_at: string;
  /**
   * When the record's content last changed. Not a heartbeat: the host refreshes the record's TTL
   * every cycle without rewriting it, so a node is alive because it is listed, not because this is recent.
   */
  readonly updated_at: string;
  /** The `@sessionkv/core` version the node runs. */
  readonly version: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The node that answered this request. */
  readonly this_node: boolean;
}

export function nodeBody(node: NodeInfo, thisNode: string): NodeBody {
  return {
    node_id: node.nodeId,
    session_count: node.sessions,
    draining: node.draining,
    started_at: isoTime(node.startedAt),
    updated_at: isoTime(node.updatedAt),
    version: node.version,
    labels: node.labels,
    this_node: node.nodeId === thisNode,
  };
}
