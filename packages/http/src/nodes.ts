import type { SessionInfo } from "@sessionkv/core";
import { isoTime } from "./wire.js";

/** One node as `GET /nodes` shows it. */
export interface NodeBody {
  readonly node_id: string;
  /** Sessions whose records name this node. */
  readonly session_count: number;
  readonly call_count: number;
  /** The newest `metrics_updated_at` among those records; null for a node without sessions. */
  readonly last_write_at: string | null;
  /** The node that answered this request. */
  readonly this_node: boolean;
}

/**
 * The nodes, derived from the session records: there are no node records in the store yet, so a
 * node is listed while at least one of its session records lives (it heartbeated within its TTL),
 * plus the answering node, which is up by definition. A node without sessions elsewhere is not
 * seen, and its heartbeat age is not known: a refresh extends a record's TTL without writing a
 * time. README "Nodes" says the same. When node records exist, this is the one function to replace.
 */
export function nodesFromSessions(sessions: readonly SessionInfo[], thisNode: string): NodeBody[] {
  const nodes = new Map<string, { sessions: number; calls: Set<string>; lastWrite: number }>();
  nodes.set(thisNode, { sessions: 0, calls: new Set(), lastWrite: Number.NEGATIVE_INFINITY });
  for (const s of sessions) {
    let node = nodes.get(s.nodeId);
    if (node === undefined) {
      node = { sessions: 0, calls: new Set(), lastWrite: Number.NEGATIVE_INFINITY };
      nodes.set(s.nodeId, node);
    }
    node.sessions++;
    node.calls.add(s.callId);
    node.lastWrite = Math.max(node.lastWrite, s.metricsUpdatedAt);
  }
  return [...nodes]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([nodeId, node]) => ({
      node_id: nodeId,
      session_count: node.sessions,
      call_count: node.calls.size,
      last_write_at: Number.isFinite(node.lastWrite) ? isoTime(node.lastWrite) : null,
      this_node: nodeId === thisNode,
    }));
}
