import type { SessionInfo, SessionRegistry } from "@sessionkv/core";

/**
 * A node as the CLI shows it. Fields the store cannot tell yet are null, never guessed
 * (README, "nodes").
 */
export interface NodeView {
  readonly nodeId: string;
  /** Sessions whose records name this node as their owner. */
  readonly sessions: number;
  /**
   * Epoch ms of the newest `metrics_updated_at` among its sessions: the node wrote then at the
   * latest, so its heartbeat is at most that old. Not the heartbeat itself: a refresh only
   * extends a record's TTL and leaves no time in it.
   */
  readonly lastWriteAt: number;
  /** Epoch ms of the node's last heartbeat: needs node records, null until they exist. */
  readonly heartbeatAt: number | null;
  /** Whether the node is draining: needs node records, null until they exist. */
  readonly draining: boolean | null;
}

/**
 * Where the node list comes from: the one function to swap when node records land. Until then
 * the session records are the only trace of a node, so a node that hosts nothing is not listed.
 */
export async function listNodes(
  _registry: SessionRegistry,
  sessions: readonly SessionInfo[],
): Promise<NodeView[]> {
  return nodesOfSessions(sessions);
}

export function nodesOfSessions(sessions: readonly SessionInfo[]): NodeView[] {
  const nodes = new Map<string, { sessions: number; lastWriteAt: number }>();
  for (const s of sessions) {
    const node = nodes.get(s.nodeId);
    if (node === undefined) nodes.set(s.nodeId, { sessions: 1, lastWriteAt: s.metricsUpdatedAt });
    else {
      node.sessions += 1;
      node.lastWriteAt = Math.max(node.lastWriteAt, s.metricsUpdatedAt);
    }
  }
  return [...nodes]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([nodeId, n]) => ({ nodeId, ...n, heartbeatAt: null, draining: null }));
}
