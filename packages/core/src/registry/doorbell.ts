import { MAX_CHANNEL_BYTES } from "../notifications/contract.js";
import type { SessionKVStore } from "../types.js";
import type { SessionLogger } from "./logger.js";

/**
 * Each node listens on its own channel, `node/{nodeId}`, in the store's namespace (core README,
 * "Push close"). A message there is a doorbell: it names what to look at, and the node reads the
 * store before it acts, so a lost, late, repeated or forged doorbell never closes anything the
 * close flag does not ask for. Messages are typed so that other kinds (a drain) can share the
 * channel: a node ignores, and logs, every type and version it does not know.
 */
const NODE_CHANNEL = "node/";
const VERSION = 1;

export type Doorbell =
  | { readonly type: "close"; readonly callId: string; readonly sessionId: string }
  // A drain names nothing: the node's next cycle reads its drain flag, as the poll path does.
  | { readonly type: "drain" };

const encoder = new TextEncoder();
const utf8 = new TextDecoder("utf-8", { fatal: true });
// Node ids are free-form strings; a channel refuses control characters and long names.
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The node's doorbell channel, or undefined for a node id no channel can carry (it is then polled only). */
export function nodeChannel(nodeId: string): string | undefined {
  const channel = `${NODE_CHANNEL}${nodeId}`;
  if (CONTROL.test(channel) || Buffer.byteLength(channel, "utf8") > MAX_CHANNEL_BYTES) return undefined;
  return channel;
}

function encodeDoorbell(doorbell: Doorbell): Uint8Array {
  if (doorbell.type === "drain") return encoder.encode(JSON.stringify({ v: VERSION, type: "drain" }));
  return encoder.encode(
    JSON.stringify({
      v: VERSION,
      type: doorbell.type,
      call_id: doorbell.callId,
      session_id: doorbell.sessionId,
    }),
  );
}

/** The doorbell in `payload`, or why it is not one this version understands. */
export function decodeDoorbell(payload: Uint8Array): { doorbell: Doorbell } | { reason: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(payload));
  } catch {
    return { reason: "is not UTF-8 JSON" };
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    return { reason: "is not a JSON object" };
  const { v, type, call_id, session_id } = parsed as Record<string, unknown>;
  if (v !== VERSION) return { reason: `has version ${JSON.stringify(v)}; this node reads ${VERSION}` };
  if (type === "drain") return { doorbell: { type } };
  if (type !== "close") return { reason: `has type ${JSON.stringify(type)}, unknown to this version` };
  if (typeof call_id !== "string" || typeof session_id !== "string" || call_id === "" || session_id === "")
    return { reason: "has no string call_id and session_id" };
  return { doorbell: { type, callId: call_id, sessionId: session_id } };
}

/**
 * Rings `nodeId` if the store can push. Never throws: the close flag is already written and is the
 * truth; a doorbell that does not ring only leaves the close to the owner's next cycle.
 */
export async function ringNode(
  store: SessionKVStore,
  nodeId: string,
  doorbell: Doorbell,
  logger: SessionLogger,
): Promise<void> {
  const notifications = store.notifications;
  if (notifications === undefined) return;
  const channel = nodeChannel(nodeId);
  if (channel === undefined) return;
  try {
    await notifications.publish(channel, encodeDoorbell(doorbell));
  } catch (error) {
    logger.warn(
      `sessionkv: could not ring node ${JSON.stringify(nodeId)}; it finds the ${doorbell.type} flag on its next cycle`,
      error,
    );
  }
}
