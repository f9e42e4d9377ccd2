/**
 * The original's key scheme, kept byte for byte so TypeScript and Python nodes share one store.
 * Ids never contain "/" (validated), which is what keeps one call's listing from leaking another's.
 */
const SESSIONS = "sessions/";
const CLOSE_REQUESTS = "close_requests/";
/**
 * Node records and drain flags are this port's own (the original writes neither). Node keys have
 * two segments before the id so that every node record shares one partition under the partition
 * rule (a key up to its second "/"): `getNodes()` lists `nodes/live/`, one partition listing on
 * the stores that index partitions, instead of a scan of the namespace.
 */
export const NODES_PREFIX = "nodes/live/";
const DRAIN_REQUESTS = "drain_requests/";

export function sessionKey(callId: string, sessionId: string): string {
  return `${SESSIONS}${callId}/${sessionId}`;
}

export function closeRequestKey(callId: string, sessionId: string): string {
  return `${CLOSE_REQUESTS}${callId}/${sessionId}`;
}

export function callPrefix(callId: string): string {
  return `${SESSIONS}${callId}/`;
}

/** The longest key an id pair produces, for the store's key-length limit. */
export function longestKey(callId: string, sessionId: string): string {
  return closeRequestKey(callId, sessionId);
}

/** Where a node keeps its record; `nodeId` never contains "/" (validated). */
export function nodeKey(nodeId: string): string {
  return `${NODES_PREFIX}${nodeId}`;
}

export function drainRequestKey(nodeId: string): string {
  return `${DRAIN_REQUESTS}${nodeId}`;
}
