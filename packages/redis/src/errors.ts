import { ErrorCode, SessionKVError } from "@sessionkv/core";

/**
 * Server error replies that mean "not now": the server is loading its dataset, running a slow
 * script, failing over, refusing writes while it cannot persist (MISCONF) or is out of memory
 * under `noeviction` (OOM). The store recovers by itself when the condition passes.
 */
const TRANSIENT_REPLIES = new Set([
  "LOADING",
  "BUSY",
  "MASTERDOWN",
  "CLUSTERDOWN",
  "TRYAGAIN",
  "READONLY",
  "NOREPLICAS",
  "MISCONF",
  "OOM",
]);

/**
 * Credentials or ACL rules that do not let the store work: retrying cannot help, an operator
 * has to change the URL or the server's ACL. Reported apart from outages so alerts can tell them
 * apart (ioredis keeps reconnecting, so a fix on the server side heals the store by itself).
 */
const ACCESS_REPLIES = new Set(["NOAUTH", "WRONGPASS", "NOPERM"]);

/** The error code of a Redis reply is its first word (`WRONGTYPE Operation against a key ...`). */
function replyCode(error: Error): string | null {
  if (error.name !== "ReplyError") return null;
  const space = error.message.indexOf(" ");
  return space === -1 ? error.message : error.message.slice(0, space);
}

/** A server's refusal of the credentials or of an ACL rule: WRONGPASS, NOAUTH, NOPERM. */
export function isAccessRefusal(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  const code = replyCode(error);
  return code !== null && ACCESS_REPLIES.has(code);
}

export function classifyRedisError(error: unknown, operation: string): SessionKVError {
  if (error instanceof SessionKVError) return error;
  // A MULTI refused at EXEC carries the refusals of its queued commands (NOPERM, OOM...): those
  // say why, and nothing of the transaction was applied.
  const previous = (error as { previousErrors?: unknown[] } | null)?.previousErrors?.[0];
  if (previous instanceof Error && previous !== error) return classifyRedisError(previous, operation);
  // ioredis's "Failed to refresh slots cache" carries the last node's reply: an ACL without
  // `cluster|slots` is a misconfiguration, not an outage.
  const lastNode = (error as { lastNodeError?: unknown } | null)?.lastNodeError;
  if (isAccessRefusal(lastNode)) return classifyRedisError(lastNode, operation);
  const cause = error instanceof Error ? error : new Error(String(error));
  const code = replyCode(cause);
  const message = `${operation} failed: ${cause.message}`;
  // Anything that is not a server reply is the connection: refused, reset, timed out, closed,
  // offline (enableOfflineQueue: false), retries exhausted, cluster slots unknown.
  if (code === null || TRANSIENT_REPLIES.has(code) || cause.message.includes("max number of clients")) {
    return new SessionKVError(ErrorCode.STORE_UNAVAILABLE, message, { cause });
  }
  if (ACCESS_REPLIES.has(code)) return new SessionKVError(ErrorCode.STORE_MISCONFIGURED, message, { cause });
  // WRONGTYPE (a foreign writer put a non-string under one of our keys), CROSSSLOT, ERR ...
  return new SessionKVError(ErrorCode.STORE_PROTOCOL, message, { cause });
}
