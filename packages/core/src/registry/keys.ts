/**
 * The original's key scheme, kept byte for byte so TypeScript and Python nodes share one store.
 * Ids never contain "/" (validated), which is what keeps one call's listing from leaking another's.
 */
const SESSIONS = "sessions/";
const CLOSE_REQUESTS = "close_requests/";

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
