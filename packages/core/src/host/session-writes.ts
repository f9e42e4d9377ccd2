import type { SessionWrite, SkippedWrite } from "../registry/host-protocol.js";
import type { SessionLogger } from "../registry/logger.js";
import type { SessionMetrics, StoredSession } from "../registry/session-info.js";
import type { LocalSession } from "./hosted-session.js";
import { readChangedMetrics } from "./metrics-change.js";

/** What planning a cycle's record writes needs of its host. */
export interface SessionWritesHost {
  readonly logger: SessionLogger;
  /** Whether `local` is still the local table's session under its id, and not closing. */
  writable(local: LocalSession): boolean;
  /** Whether a record read back is still this registration's (else another node took it over). */
  isOwn(local: LocalSession, record: Readonly<Record<string, unknown>>): boolean;
  /** Another node holds the record now: the host stops writing it. */
  takenOver(local: LocalSession, ownerNodeId: string): void;
  /** Epoch ms of the session's deadline, if it has one. */
  deadlineOf(local: LocalSession): number | undefined;
}

/**
 * One cycle's session record writes: those whose metrics changed and those whose record went
 * missing (healed). Planned synchronously between the read and the publish call, so that a
 * session removed or closing from then on waits for this write before its delete (see RemovalFence).
 */
export class SessionWritePlan {
  readonly writes: SessionWrite[] = [];
  readonly #published = new Map<LocalSession, SessionMetrics>();
  readonly #healed: LocalSession[] = [];

  constructor(
    host: SessionWritesHost,
    snapshot: readonly LocalSession[],
    records: ReadonlyMap<string, StoredSession | null>,
  ) {
    for (const local of snapshot) {
      if (!host.writable(local)) continue;
      const previous = records.get(local.sessionId) ?? null;
      if (previous !== null && !host.isOwn(local, previous.record)) {
        host.takenOver(local, previous.info.nodeId);
        continue;
      }
      const read = readChangedMetrics(local.sessionId, local.handlers, local.published, host.logger);
      // A copy: metrics() may hand back one object it mutates in place.
      const current = read === undefined ? undefined : { ...read };
      if (previous === null) this.#healed.push(local);
      else if (current === undefined) continue;
      const metrics = current ?? local.published ?? previous?.info.metrics ?? {};
      const deadline = host.deadlineOf(local);
      this.writes.push({
        callId: local.callId,
        sessionId: local.sessionId,
        startedAt: local.startedAt,
        metrics,
        previous,
        ...(deadline === undefined ? {} : { deadline }),
      });
      if (current !== undefined) this.#published.set(local, current);
    }
  }

  /**
   * The store took every write but `skipped`: the metrics written become the published ones, and
   * the records healed are logged. Returns how many were re-registered.
   */
  written(skippedWrites: readonly SkippedWrite[], logger: SessionLogger): number {
    const skipped = new Map(skippedWrites.map((w) => [w.sessionId, w.error]));
    for (const [sessionId, error] of skipped) {
      // Claimed by another node between the read and the write: the next cycle reads and reports it.
      if (error.code === "ERR_SESSION_EXISTS") continue;
      logger.warn(
        `sessionkv: the record of session ${JSON.stringify(sessionId)} was not written (too large for the store); the other sessions' were`,
        error,
      );
    }
    for (const [local, metrics] of this.#published)
      if (!skipped.has(local.sessionId)) local.published = metrics;
    const reRegistered = this.#healed.filter((s) => !skipped.has(s.sessionId)).map((s) => s.sessionId);
    if (reRegistered.length > 0) {
      logger.warn(`sessionkv: re-registered ${reRegistered.length} session record(s) that had gone missing`, {
        sessionIds: reRegistered,
      });
    }
    return reRegistered.length;
  }
}
