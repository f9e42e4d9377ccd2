import type { SessionMetrics } from "../registry/session-info.js";

/**
 * Why the host closes a session: a close request (from any node), `stop()`, a drain's grace
 * running out, or its `maxSessionDurationMs` deadline.
 */
export type CloseReason = "close-requested" | "host-stopped" | "drain" | "max-duration";

/** What the application hands the host for each session it runs. */
export interface HostedSession {
  /** Ends the session. Called at most once; the host removes the session's keys afterwards, even if it throws. */
  close(reason: CloseReason): void | Promise<void>;
  /** Current metrics, read once per cycle; written to the store when they changed. A throw is logged and skipped. */
  metrics?(): SessionMetrics;
}

/** The host's bookkeeping for one local session. */
export interface LocalSession {
  readonly callId: string;
  readonly sessionId: string;
  readonly startedAt: number;
  readonly handlers: HostedSession;
  /** The initial `register`; removal waits for it so that a delete never lands before the write. */
  registering: Promise<void>;
  /** Registered: maintenance cycles include the session. */
  ready: boolean;
  /** A copy of the metrics last written, to skip unchanged ones and to re-register with. */
  published: SessionMetrics | undefined;
  /** Set once a close has started: the session is heartbeated but never written or closed again. */
  closing: Promise<void> | undefined;
}
