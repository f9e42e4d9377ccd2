import { invalidArgument } from "../errors.js";
import type { StoreCapabilities } from "../types.js";
import { isWellFormed, utf8Length } from "../validate.js";
import { longestKey } from "./keys.js";
import type { SessionMetrics } from "./session-info.js";

const LONGEST_KEY_OVERHEAD = longestKey("", "").length;

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}

/**
 * Ids become path segments of the store keys: "/" inside one would make `a` + `b/c` and
 * `a/b` + `c` the same key, and one call's listing would show another call's sessions.
 */
export function validateId(value: unknown, parameter: string): asserts value is string {
  if (isValidId(value)) return;
  if (typeof value !== "string") throw invalidArgument(parameter, `must be a string, got ${show(value)}`);
  if (value.length === 0) throw invalidArgument(parameter, "must not be empty");
  if (value.includes("/"))
    throw invalidArgument(
      parameter,
      `${show(value)} must not contain "/" (it separates the parts of registry keys)`,
    );
  if (!isWellFormed(value)) throw invalidArgument(parameter, `${show(value)} contains a lone surrogate`);
}

function isValidId(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && !value.includes("/") && isWellFormed(value);
}

/** Both ids, and the longest key they make against the store's limit. */
export function validateIds(callId: unknown, sessionId: unknown, capabilities: StoreCapabilities): void {
  validateId(callId, "callId");
  validateId(sessionId, "sessionId");
  validateKeyLength(callId, sessionId, capabilities);
}

/**
 * A call id alone (a listing): rejected when even its shortest session, a one-character id,
 * would make a key longer than the store accepts. No such session can exist, and the listing
 * would otherwise send the whole over-long prefix to the server to learn nothing.
 */
export function validateCallId(callId: unknown, capabilities: StoreCapabilities): asserts callId is string {
  validateId(callId, "callId");
  if ((LONGEST_KEY_OVERHEAD + callId.length + 1) * 3 <= capabilities.maxKeyBytes) return;
  const key = longestKey(callId, SHORTEST_ID);
  if (utf8Length(key, capabilities.maxKeyBytes) > capabilities.maxKeyBytes) {
    throw invalidArgument(
      "callId",
      `${show(callId)} makes a ${Buffer.byteLength(key, "utf8")}-byte key with even a one-character sessionId; this store accepts at most ${capabilities.maxKeyBytes}`,
    );
  }
}

const SHORTEST_ID = "x";

function validateKeyLength(callId: string, sessionId: string, capabilities: StoreCapabilities): void {
  // Every UTF-16 unit is at most 3 UTF-8 bytes: ids this short need no key built to be measured.
  if ((LONGEST_KEY_OVERHEAD + callId.length + sessionId.length) * 3 <= capabilities.maxKeyBytes) return;
  const key = longestKey(callId, sessionId);
  if (utf8Length(key, capabilities.maxKeyBytes) > capabilities.maxKeyBytes) {
    throw invalidArgument(
      "callId/sessionId",
      `make a ${Buffer.byteLength(key, "utf8")}-byte key ${show(key)}; this store accepts at most ${capabilities.maxKeyBytes}`,
    );
  }
}

/** `sessions` is a Map of sessionId → callId (the shape of the original's dict). */
export function validateSessions(
  sessions: unknown,
  capabilities: StoreCapabilities,
): asserts sessions is ReadonlyMap<string, string> {
  if (!(sessions instanceof Map))
    throw invalidArgument("sessions", `must be a Map of sessionId → callId, got ${show(sessions)}`);
  sessions.forEach((callId: unknown, sessionId: unknown) => {
    if (!isValidId(sessionId)) validateId(sessionId, "sessions (a sessionId key)");
    // Named only when it fails: this runs for every session of every heartbeat.
    if (!isValidId(callId)) validateId(callId, `sessions.get(${show(sessionId)}) (a callId)`);
    validateKeyLength(callId, sessionId, capabilities);
  });
}

export function validateMetrics(metrics: unknown, parameter = "metrics"): asserts metrics is SessionMetrics {
  if (metrics === null || typeof metrics !== "object" || Array.isArray(metrics)) {
    throw invalidArgument(parameter, `must be an object of name → number | null, got ${show(metrics)}`);
  }
  // for…in over own names rather than Object.entries: no array per call on the heartbeat path.
  for (const name in metrics) {
    if (!Object.hasOwn(metrics, name)) continue;
    const value = (metrics as Record<string, unknown>)[name];
    if (value !== null && typeof value !== "number") {
      throw invalidArgument(`${parameter}.${name}`, `must be a number or null, got ${show(value)}`);
    }
  }
}

export function validateTimestamp(value: unknown, parameter: string): asserts value is number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw invalidArgument(parameter, `must be epoch milliseconds (a finite number >= 0), got ${show(value)}`);
  }
}
