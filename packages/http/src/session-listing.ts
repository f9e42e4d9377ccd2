import { ErrorCode, isSessionKVError } from "@sessionkv/core";
import type { SessionInfo, SessionRegistry } from "@sessionkv/core";

/**
 * Where every call's records live: the key scheme of core's README, "Keys and wire format"
 * (`sessions/{callId}/{sessionId}`), which is the Python original's.
 */
const SESSIONS_ROOT = "sessions/";

/**
 * Every session of every call, on any node. Core lists one call at a time, so this lists the
 * call ids under the root once, then reads each call through `getForCall` (which decodes and
 * checks the records): 1 + 2 × calls store calls. Ordered by call id, then as `getForCall` orders.
 */
export async function listAllSessions(registry: SessionRegistry): Promise<SessionInfo[]> {
  const keys = await registry.store.keys(SESSIONS_ROOT);
  const calls = new Set<string>();
  for (const key of keys) {
    const rest = key.slice(SESSIONS_ROOT.length);
    const slash = rest.indexOf("/");
    if (slash > 0) calls.add(rest.slice(0, slash));
  }
  const perCall = await Promise.all(
    [...calls].sort().map((callId) =>
      registry.getForCall(callId).catch((error: unknown) => {
        // A foreign key whose call part core refuses as an id holds no session of this registry.
        if (isSessionKVError(error, ErrorCode.INVALID_ARGUMENT)) return [];
        throw error;
      }),
    ),
  );
  return perCall.flat();
}
