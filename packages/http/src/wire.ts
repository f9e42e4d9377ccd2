import type { SessionInfo } from "@sessionkv/core";

/**
 * The JSON bodies of the Python original's runner (its pydantic models), field for field, so a
 * client written for it works unchanged. Fields it does not have (`node_id`) are additions a
 * pydantic client ignores.
 */

/** `StartSessionResponse` and `GetAgentSessionResponse`. */
export interface SessionBody {
  readonly session_id: string;
  readonly call_id: string;
  readonly node_id: string;
  readonly session_started_at: string;
}

/** `GetAgentSessionMetricsResponse`. */
export interface SessionMetricsBody extends SessionBody {
  readonly metrics: Readonly<Record<string, number | null>>;
  readonly metrics_generated_at: string;
}

export function sessionBody(info: SessionInfo): SessionBody {
  return {
    session_id: info.sessionId,
    call_id: info.callId,
    node_id: info.nodeId,
    session_started_at: isoTime(info.startedAt),
  };
}

export function sessionMetricsBody(info: SessionInfo): SessionMetricsBody {
  return {
    ...sessionBody(info),
    metrics: info.metrics,
    metrics_generated_at: isoTime(info.metricsUpdatedAt),
  };
}

/**
 * Epoch milliseconds as pydantic writes a UTC `datetime`: microseconds, no fraction when there
 * are none, and `Z`. Start times carry fractions of a millisecond (the host spaces them by 10 µs).
 */
export function isoTime(epochMs: number): string {
  const micros = Math.round(epochMs * 1000);
  const seconds = Math.floor(micros / 1_000_000);
  const fraction = micros - seconds * 1_000_000;
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  return fraction === 0 ? `${base}Z` : `${base}.${String(fraction).padStart(6, "0")}Z`;
}
