import { invalidArgument } from "../errors.js";
import type { StoreCapabilities } from "../types.js";
import { isWellFormed, utf8Length } from "../validate.js";
import { longestKey } from "./keys.js";
import type { SessionMetrics } from "./session-info.js";

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
  if (typeof value !== "string") throw invalidArgument(parameter, `must be a string, got ${show(value)}`);
  if (value.length === 0) throw invalidArgument(parameter, "must not be empty");
  if (value.includes("/"))
    throw invalidArgument(
      parameter,
      `${show(value)} must not contain "/" (it separates the parts of registry keys)`,
    );
  if (!isWellFormed(value)) throw invalidArgument(parameter, `${show(value)} contains a lone surrogate`);
}

/** Both ids, and the longest key they make against the store's limit. */
export function validateIds(callId: unknown, sessionId: unknown, capabilities: StoreCapabilities): void {
  validateId(callId, "callId");
  validateId(sessionId, "sessionId");
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
  for (const [sessionId, callId] of sessions) {
    validateId(sessionId, "sessions (a sessionId key)");
    validateId(callId, `sessions.get(${show(sessionId)}) (a callId)`);
    validateIds(callId, sessionId, capabilities);
  }
}

export function validateMetrics(metrics: unknown, parameter = "metrics"): asserts metrics is SessionMetrics {
  if (metrics === null || typeof metrics !== "object" || Array.isArray(metrics)) {
    throw invalidArgument(parameter, `must be an object of name → number | null, got ${show(metrics)}`);
  }
  for (const [name, value] of Object.entries(metrics)) {
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
