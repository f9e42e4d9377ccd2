import { parsePythonJson } from "./record.js";
import type { StoredSession } from "./session-info.js";

/**
 * A close flag names the instance of the session it targets: the `node_id` and `started_at` of the
 * record the requester read. A flag that lands after its session was removed (a request racing the
 * removal) then never closes a session later registered under the same id, whose record differs.
 * It also carries `requested_at` (epoch seconds), so that the owner can report how long the request
 * took to be honoured. Python nodes only test that the flag exists, so they honour it as before.
 */
const encoder = new TextEncoder();
const utf8 = new TextDecoder("utf-8", { fatal: true });

export function encodeCloseFlag(target: StoredSession, requestedAt: number): Uint8Array {
  return encoder.encode(
    JSON.stringify({
      node_id: target.record.node_id,
      started_at: target.record.started_at,
      requested_at: requestedAt / 1000,
    }),
  );
}

/** When the flag was written (epoch ms), or undefined for flags without the field (Python's, older ones). */
export function flagRequestedAt(flag: Uint8Array): number | undefined {
  if (flag.byteLength === 0) return undefined;
  try {
    const parsed = parsePythonJson(utf8.decode(flag)) as { requested_at?: unknown } | null;
    const at = parsed?.requested_at;
    return typeof at === "number" && Number.isFinite(at) ? at * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a flag read next to the session's current record asks to close it. Flags without a
 * target (the original's empty bytes, or anything unreadable) close whatever holds the id, as in
 * the original; a flag with a target closes only that instance, so none while the record is missing.
 */
export function flagTargets(flag: Uint8Array, current: StoredSession | null): boolean {
  const target = readTarget(flag);
  if (target === undefined) return true;
  return (
    current !== null &&
    current.record.node_id === target.node_id &&
    current.record.started_at === target.started_at
  );
}

function readTarget(flag: Uint8Array): { node_id: unknown; started_at: unknown } | undefined {
  if (flag.byteLength === 0) return undefined;
  try {
    const parsed = parsePythonJson(utf8.decode(flag));
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
    const { node_id, started_at } = parsed as Record<string, unknown>;
    return typeof node_id === "string" && typeof started_at === "number"
      ? { node_id, started_at }
      : undefined;
  } catch {
    return undefined;
  }
}
