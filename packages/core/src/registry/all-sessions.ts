import type { SessionInfo } from "./session-info.js";

/**
 * The listing of every call at once. Registry keys are `sessions/{callId}/{sessionId}`, and ids
 * never contain "/", so the call and the session of a listed key are its two path segments.
 */
export const ALL_SESSIONS_PREFIX = "sessions/";

/** The ids a listed key names, or null for a key with a missing or an extra segment. */
export function sessionIdsOf(key: string): { callId: string; sessionId: string } | null {
  const rest = key.slice(ALL_SESSIONS_PREFIX.length);
  const slash = rest.indexOf("/");
  if (slash <= 0) return null;
  const sessionId = rest.slice(slash + 1);
  if (sessionId.length === 0 || sessionId.includes("/")) return null;
  return { callId: rest.slice(0, slash), sessionId };
}

/** Calls in code-unit order, and within a call the order of `getForCall`: start time, then session id. */
export function compareSessions(a: SessionInfo, b: SessionInfo): number {
  return (
    compareText(a.callId, b.callId) || a.startedAt - b.startedAt || compareText(a.sessionId, b.sessionId)
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
