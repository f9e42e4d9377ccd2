import { closeHonouredChannel } from "../diagnostics/host-channels.js";
import type { SessionLogger } from "../registry/logger.js";
import type { CloseReason, LocalSession } from "./hosted-session.js";

/** What closing sessions needs of their host. */
export interface SessionCloseHost {
  readonly nodeId: string;
  readonly logger: SessionLogger;
  /** Forgets the closed sessions the local table still holds and deletes their records. */
  removeClosed(sessions: readonly LocalSession[]): Promise<void>;
}

/**
 * The host's closes: each session's `close` callback, then one delete for the batch. The batches
 * under way are tracked, so that `stop()` and a drain wait for them before they finish.
 */
export class SessionClose {
  readonly #host: SessionCloseHost;
  readonly #batches = new Set<Promise<void>>();

  constructor(host: SessionCloseHost) {
    this.#host = host;
  }

  /**
   * Calls each `close`, then removes the sessions in one delete. Rejects only if that delete fails.
   * A requested close (`requestedAt` given) is reported on `sessionkv:close:honoured` once removed.
   */
  close(
    sessions: readonly LocalSession[],
    reason: CloseReason,
    requestedAt?: (session: LocalSession) => number | undefined,
    local = false,
  ): Promise<void> {
    // The body starts on a later microtask, so every session is marked closing before its
    // callback runs (a callback may call requestClose or remove for its own session).
    const batch = Promise.resolve().then(async () => {
      await Promise.all(sessions.map((s) => this.#invokeClose(s, reason)));
      await this.#host.removeClosed(sessions);
      if (requestedAt !== undefined && closeHonouredChannel.hasSubscribers) {
        const now = Date.now();
        for (const s of sessions) {
          const at = requestedAt(s);
          closeHonouredChannel.publish({
            nodeId: this.#host.nodeId,
            local,
            latencyMs: at === undefined ? undefined : Math.max(0, now - at),
          });
        }
      }
    });
    for (const s of sessions) s.closing = batch;
    const tracked = batch.catch(() => undefined).finally(() => this.#batches.delete(tracked));
    this.#batches.add(tracked);
    return batch;
  }

  /** Settles once the batches under way now have (never rejects). */
  settled(): Promise<unknown> {
    return Promise.allSettled([...this.#batches]);
  }

  async #invokeClose(session: LocalSession, reason: CloseReason): Promise<void> {
    try {
      await session.handlers.close(reason);
    } catch (error) {
      this.#host.logger.error(
        `sessionkv: close(${JSON.stringify(reason)}) of session ${JSON.stringify(session.sessionId)} threw; removing it anyway`,
        error,
      );
    }
  }
}
