import { MAX_TTL_MS } from "../validate.js";
import type { SessionInfo, SessionMetrics, StoredSession } from "./session-info.js";

/**
 * The wire format of a session record, shared with the Python original: a JSON object with
 * snake_case fields `session_id`, `call_id`, `node_id`, `started_at`, `metrics_updated_at`
 * (Unix time in seconds, floats) and `metrics`, plus `ttl_ms` (the owner's TTL, read by close
 * requesters; see `recordTtlMs`). Fields this version does not know are kept in `record` and
 * written back unchanged by every rewrite.
 */
export type WireRecord = Readonly<Record<string, unknown>>;

export type DecodeResult =
  | { readonly ok: true; readonly session: StoredSession }
  | { readonly ok: false; readonly reason: string };

const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

export function encodeRecord(record: WireRecord): Uint8Array {
  return encoder.encode(JSON.stringify(record));
}

export function freshRecord(fields: {
  sessionId: string;
  callId: string;
  nodeId: string;
  startedAt: number;
  metrics: SessionMetrics;
  now: number;
  ttlMs: number;
  deadline?: number | undefined;
}): WireRecord {
  const record: Record<string, unknown> = {
    session_id: fields.sessionId,
    call_id: fields.callId,
    node_id: fields.nodeId,
    started_at: fields.startedAt / 1000,
    metrics_updated_at: fields.now / 1000,
    metrics: wireMetrics(fields.metrics),
    ttl_ms: fields.ttlMs,
  };
  if (fields.deadline !== undefined) record.deadline = fields.deadline / 1000;
  return record;
}

/**
 * The owner's TTL as its record states it, or undefined for records without one (the Python
 * original's): a close requester gives its flag this lifetime, so that an owner with a longer
 * heartbeat than the requester's TTL still sees it, and the flag lives no longer than the record.
 * A `ttl_ms` past the store contract's longest TTL comes from a foreign writer and is ignored.
 */
export function recordTtlMs(record: WireRecord): number | undefined {
  const ttl = record.ttl_ms;
  return typeof ttl === "number" && Number.isFinite(ttl) && ttl > 0 && ttl <= MAX_TTL_MS ? ttl : undefined;
}

/** The stored record with new metrics; every other field, known or not, as it was. */
export function withMetrics(record: WireRecord, metrics: SessionMetrics, now: number): WireRecord {
  return { ...record, metrics_updated_at: now / 1000, metrics: wireMetrics(metrics) };
}

// JSON has no NaN or Infinity: they are written as null rather than letting JSON.stringify do it silently.
// Built with fromEntries: an assignment would turn a metric named "__proto__" into a prototype
// change and drop it.
function wireMetrics(metrics: SessionMetrics): Record<string, number | null> {
  return Object.fromEntries(
    Object.entries(metrics).map(([name, value]) => [
      name,
      typeof value === "number" && Number.isFinite(value) ? value : null,
    ]),
  );
}

/**
 * Reads a record; `expected` are the ids its key says it has. A record that is not UTF-8 JSON, lacks
 * a required field, or names another session than its key is refused with the reason.
 */
export function decodeRecord(
  bytes: Uint8Array,
  expected: { callId: string; sessionId: string },
): DecodeResult {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return fail("is not UTF-8");
  }
  let parsed: unknown;
  try {
    parsed = parsePythonJson(text);
  } catch {
    return fail(bytes.byteLength === 0 ? "is empty" : "is not JSON");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    return fail("is not a JSON object");
  const record = parsed as Record<string, unknown>;
  const { session_id, call_id, node_id, started_at, metrics_updated_at, metrics, deadline } = record;
  if (typeof session_id !== "string") return fail("has no string session_id");
  if (typeof call_id !== "string") return fail("has no string call_id");
  if (typeof node_id !== "string") return fail("has no string node_id");
  if (!isFiniteNumber(started_at)) return fail("has no numeric started_at");
  if (metrics_updated_at !== undefined && !isFiniteNumber(metrics_updated_at))
    return fail("has a non-numeric metrics_updated_at");
  if (metrics !== undefined && (metrics === null || typeof metrics !== "object" || Array.isArray(metrics))) {
    return fail("has metrics that are not an object");
  }
  if (session_id !== expected.sessionId || call_id !== expected.callId) {
    return fail(`names session ${JSON.stringify(`${call_id}/${session_id}`)}, not the one its key names`);
  }
  const info: SessionInfo = {
    sessionId: session_id,
    callId: call_id,
    nodeId: node_id,
    startedAt: started_at * 1000,
    metricsUpdatedAt: (metrics_updated_at ?? started_at) * 1000,
    metrics: readMetrics(metrics as Record<string, unknown> | undefined),
    // A foreign writer's non-numeric deadline is ignored rather than making the record unreadable.
    ...(isFiniteNumber(deadline) ? { deadline: deadline * 1000 } : {}),
  };
  return { ok: true, session: { info, record } };
}

// Metric values other than numbers and null (a Python bool, a string from a foreign writer) are
// left out of `metrics` instead of making the whole record unreadable.
function readMetrics(metrics: Record<string, unknown> | undefined): SessionMetrics {
  if (metrics === undefined) return {};
  return Object.fromEntries(
    Object.entries(metrics).filter(([, value]) => value === null || typeof value === "number"),
  ) as SessionMetrics;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function fail(reason: string): DecodeResult {
  return { ok: false, reason };
}

/**
 * JSON as Python's `json.dumps` writes it: standard JSON except that float metrics may be the
 * bare tokens `NaN`, `Infinity` and `-Infinity` (allow_nan defaults to True). Those become null.
 */
export function parsePythonJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!/NaN|Infinity/.test(text)) throw error;
    return JSON.parse(replaceNonFinite(text));
  }
}

function replaceNonFinite(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === "\\") out += text[++i] ?? "";
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
      continue;
    }
    const token = text.startsWith("-Infinity", i)
      ? "-Infinity"
      : text.startsWith("Infinity", i)
        ? "Infinity"
        : text.startsWith("NaN", i)
          ? "NaN"
          : null;
    if (token !== null) {
      out += "null";
      i += token.length - 1;
      continue;
    }
    out += c;
  }
  return out;
}
