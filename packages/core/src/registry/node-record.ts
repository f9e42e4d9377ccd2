import { readFileSync } from "node:fs";
import { invalidArgument } from "../errors.js";
import { isWellFormed } from "../validate.js";
import { parsePythonJson } from "./record.js";

/**
 * A node as any node sees it in the store (`registry.getNodes()`). Times are epoch milliseconds.
 * Only nodes of this library write node records; Python nodes write none, so they are never listed.
 */
export interface NodeInfo {
  readonly nodeId: string;
  /** When the node's host started: names this run of the node, as `started_at` names a session. */
  readonly startedAt: number;
  /**
   * When the record's content was last written. Not a heartbeat: the host refreshes the record's
   * TTL every cycle without rewriting it, and rewrites it only when its content changes. A listed
   * node is alive because its record has not expired.
   */
  readonly updatedAt: number;
  /** Sessions the node hosted when it last wrote its record. */
  readonly sessions: number;
  /** Whether the node is draining: it refuses new sessions. */
  readonly draining: boolean;
  /** The version of `@sessionkv/core` the node runs. */
  readonly version: string;
  /** The node's `labels` host option, as given. */
  readonly labels: Readonly<Record<string, string>>;
}

/** What a host writes into its node record; the registry adds the node id, version and times. */
export interface NodeRecordContent {
  /** Epoch ms the host started. */
  readonly startedAt: number;
  readonly sessions: number;
  readonly draining: boolean;
  readonly labels: Readonly<Record<string, string>>;
}

/** A drain request as the node reads it from its drain flag. */
export interface DrainRequest {
  /** Close the remaining sessions with reason "drain" this long after the node saw the request. */
  readonly graceMs: number | undefined;
  /** The requester's `requested_at` (Unix seconds): tells one request from the next. */
  readonly requestedAt: unknown;
}

export interface RequestDrainOptions {
  /** As `host.drain({ graceMs })`: without it the node's sessions run until they end on their own. */
  readonly graceMs?: number;
}

const encoder = new TextEncoder();
const utf8 = new TextDecoder("utf-8", { fatal: true });

let libraryVersion: string | undefined;

/** This package's version, read once from its manifest (two levels above both src/ and dist/ files). */
export function coreVersion(): string {
  libraryVersion ??= (
    JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
  ).version;
  return libraryVersion;
}

/**
 * The wire format: snake_case fields as in session records, times in Unix seconds (floats), plus
 * `ttl_ms` (the writer's TTL, which drain requesters give their flag).
 */
export function encodeNodeRecord(
  nodeId: string,
  content: NodeRecordContent,
  now: number,
  ttlMs: number,
): Uint8Array {
  return encoder.encode(
    JSON.stringify({
      node_id: nodeId,
      started_at: content.startedAt / 1000,
      updated_at: now / 1000,
      sessions: content.sessions,
      draining: content.draining,
      version: coreVersion(),
      labels: content.labels,
      ttl_ms: ttlMs,
    }),
  );
}

export type NodeDecodeResult =
  | { readonly ok: true; readonly node: NodeInfo; readonly record: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly reason: string };

/** Reads a node record; `nodeId` is the id its key names. Unknown fields are ignored. */
export function decodeNodeRecord(bytes: Uint8Array, nodeId: string): NodeDecodeResult {
  const parsed = parseObject(bytes);
  if (typeof parsed === "string") return { ok: false, reason: parsed };
  const { node_id, started_at, updated_at, sessions, draining, version, labels } = parsed;
  const fail = (reason: string): NodeDecodeResult => ({ ok: false, reason });
  if (typeof node_id !== "string") return fail("has no string node_id");
  if (node_id !== nodeId) return fail(`names node ${JSON.stringify(node_id)}, not the one its key names`);
  if (!isFiniteNumber(started_at)) return fail("has no numeric started_at");
  if (!isFiniteNumber(updated_at)) return fail("has no numeric updated_at");
  if (typeof sessions !== "number" || !Number.isSafeInteger(sessions) || sessions < 0)
    return fail("has no session count");
  if (typeof draining !== "boolean") return fail("has no boolean draining");
  if (typeof version !== "string") return fail("has no string version");
  const readLabels = labels === undefined ? {} : labelsOf(labels);
  if (readLabels === null) return fail("has labels that are not an object of strings");
  return {
    ok: true,
    node: {
      nodeId,
      startedAt: started_at * 1000,
      updatedAt: updated_at * 1000,
      sessions,
      draining,
      version,
      labels: readLabels,
    },
    record: parsed,
  };
}

/**
 * A drain flag names the run of the node it targets (`started_at` of the node record the requester
 * read), so a flag left from before a restart under the same node id never drains the new run.
 */
export function encodeDrainFlag(
  nodeId: string,
  targetStartedAtSeconds: number,
  options: RequestDrainOptions,
  now: number,
): Uint8Array {
  return encoder.encode(
    JSON.stringify({
      node_id: nodeId,
      started_at: targetStartedAtSeconds,
      requested_at: now / 1000,
      grace_ms: options.graceMs ?? null,
    }),
  );
}

/** The request a drain flag makes of the node run that started at `startedAt` (epoch ms), if any. */
export function drainRequestFor(flag: Uint8Array, nodeId: string, startedAt: number): DrainRequest | null {
  const parsed = parseObject(flag);
  if (typeof parsed === "string") return null;
  const { node_id, started_at, grace_ms, requested_at } = parsed;
  if (node_id !== nodeId || started_at !== startedAt / 1000) return null;
  return {
    graceMs: typeof grace_ms === "number" && isGraceMs(grace_ms) ? grace_ms : undefined,
    requestedAt: requested_at,
  };
}

/** `labels`: a plain object of non-empty, well-formed string names to well-formed string values. */
export function validateLabels(
  labels: unknown,
  parameter = "labels",
): asserts labels is Readonly<Record<string, string>> {
  if (labels === null || typeof labels !== "object" || Array.isArray(labels))
    throw invalidArgument(parameter, "must be an object of name → string");
  for (const [name, value] of Object.entries(labels)) {
    if (name.length === 0 || !isWellFormed(name))
      throw invalidArgument(parameter, `has a name ${JSON.stringify(name)} that is empty or ill-formed`);
    if (typeof value !== "string" || !isWellFormed(value))
      throw invalidArgument(`${parameter}.${name}`, "must be a well-formed string");
  }
}

/** `graceMs` of a drain: finite milliseconds ≥ 0, or undefined for no forced close. */
function validateGraceMs(value: unknown, parameter: string): asserts value is number | undefined {
  if (value === undefined || (typeof value === "number" && isGraceMs(value))) return;
  throw invalidArgument(
    parameter,
    `must be a finite number of milliseconds from 0 to 2147483647, got ${String(value)}`,
  );
}

/** The options of `drain` and `requestDrain`: an object with an optional `graceMs`. */
export function validateDrainOptions(options: unknown, parameter = "options"): RequestDrainOptions {
  if (options === undefined) return {};
  if (options === null || typeof options !== "object" || Array.isArray(options))
    throw invalidArgument(parameter, "must be an object");
  const { graceMs } = options as { graceMs?: unknown };
  validateGraceMs(graceMs, `${parameter}.graceMs`);
  return graceMs === undefined ? {} : { graceMs };
}

function isGraceMs(value: number): boolean {
  // Past the longest timer Node schedules (about 24.8 days) setTimeout fires at once.
  return Number.isFinite(value) && value >= 0 && value <= 2 ** 31 - 1;
}

function labelsOf(value: unknown): Record<string, string> | null {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.some(([, v]) => typeof v !== "string")) return null;
  // fromEntries: a label named "__proto__" stays a label.
  return Object.fromEntries(entries) as Record<string, string>;
}

function parseObject(bytes: Uint8Array): Record<string, unknown> | string {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return "is not UTF-8";
  }
  let parsed: unknown;
  try {
    parsed = parsePythonJson(text);
  } catch {
    return bytes.byteLength === 0 ? "is empty" : "is not JSON";
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return "is not a JSON object";
  return parsed as Record<string, unknown>;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}
