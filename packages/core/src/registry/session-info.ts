/** Metric name → value. `null` is a metric with no value yet (the original's `None`). */
export type SessionMetrics = Readonly<Record<string, number | null>>;

/**
 * A session as any node sees it in the store. Times are epoch milliseconds (the wire holds Unix
 * seconds as floats, as the Python original writes them); they may carry a fractional part.
 */
export interface SessionInfo {
  readonly sessionId: string;
  readonly callId: string;
  /** The node that owns the session and keeps its record alive. */
  readonly nodeId: string;
  readonly startedAt: number;
  readonly metricsUpdatedAt: number;
  readonly metrics: SessionMetrics;
  /** When the owner closes the session ("max-duration"); absent when it has no `maxSessionDurationMs`. */
  readonly deadline?: number;
}

/**
 * A record as read from the store: the decoded session and the JSON object it came from, fields
 * this version does not know included, so that a rewrite keeps what another writer added.
 */
export interface StoredSession {
  readonly info: SessionInfo;
  readonly record: Readonly<Record<string, unknown>>;
}
