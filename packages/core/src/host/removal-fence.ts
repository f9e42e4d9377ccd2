import { ErrorCode, isSessionKVError } from "../errors.js";
import type { HostProtocol, OwnedSession } from "../registry/host-protocol.js";
import type { SessionLogger } from "../registry/logger.js";

/** A local session as a removal sees it: its registration, and the initial write to wait for. */
export interface RemovedSession extends OwnedSession {
  /** The initial `register`; the delete waits for it so that it never lands before the write. */
  readonly registering: Promise<void>;
}

/**
 * Keeps a removed session from reappearing: a store write cannot be recalled, so every delete of
 * a session's keys is ordered after its registration and after the cycle writes in flight when the
 * delete was asked for, and a re-`add` of the id waits for the delete. A delete that failed for an
 * outage is queued and retried by the next cycles until it succeeds (see "One maintenance cycle"
 * and "Decisions" in the README).
 */
export class RemovalFence {
  readonly #protocol: Pick<HostProtocol, "removeMany" | "removeOwned">;
  readonly #logger: SessionLogger;
  /** Whether the host holds a session under this id again: then its failed removal is not retried. */
  readonly #isHosted: (sessionId: string) => boolean;
  /** Deletes in progress per session id: a re-`add` of the id waits for them. */
  readonly #removing = new Map<string, Promise<void>>();
  /** Cycle writes until they settle in the store (never reject); every delete waits for those in flight. */
  readonly #writes = new Set<Promise<void>>();
  /** Removals that failed for an outage, by session id: each cycle retries them until they succeed. */
  readonly #failed = new Map<string, OwnedSession>();
  #retrying: Promise<void> | undefined;

  constructor(
    protocol: Pick<HostProtocol, "removeMany" | "removeOwned">,
    logger: SessionLogger,
    isHosted: (sessionId: string) => boolean,
  ) {
    this.#protocol = protocol;
    this.#logger = logger;
    this.#isHosted = isHosted;
  }

  /** The ids whose removal failed and is not retried yet. */
  get failedIds(): string[] {
    return [...this.#failed.keys()];
  }

  /**
   * Starts a cycle write. It is tracked before `write` is called, so that a delete asked for from
   * inside the store call still waits, and until the store settles, even after the cycle stopped
   * waiting for it.
   */
  write<T>(write: () => Promise<T>): Promise<T> {
    let written!: () => void;
    const writing = new Promise<void>((resolve) => {
      written = resolve;
    });
    this.#writes.add(writing);
    const pending = write();
    const settle = () => {
      this.#writes.delete(writing);
      written();
    };
    void pending.then(settle, settle);
    return pending;
  }

  /** The delete of this id in progress, if any (it never rejects): a re-`add` waits for it. */
  removalOf(sessionId: string): Promise<void> | undefined {
    return this.#removing.get(sessionId);
  }

  /** Every delete in progress, settled. */
  async removalsSettled(): Promise<void> {
    await Promise.allSettled([...this.#removing.values()]);
  }

  /** The id is hosted again: its failed removal would delete the new registration's keys. */
  dropFailed(sessionId: string): void {
    this.#failed.delete(sessionId);
  }

  /**
   * Deletes the keys (sessionId → callId) in one store call, ordered after the sessions'
   * registration and the writes in flight. A delete that failed for an outage is queued for retry,
   * for those of `sessions` that are not hosted again by then.
   */
  async remove(sessions: readonly RemovedSession[], keys: ReadonlyMap<string, string>): Promise<void> {
    if (keys.size === 0) return;
    try {
      await this.#ordered(
        [...keys.keys()],
        sessions.map((s) => s.registering),
        () => this.#protocol.removeMany(keys),
      );
    } catch (error) {
      if (isSessionKVError(error, ErrorCode.STORE_UNAVAILABLE)) {
        // An id hosted again since was re-registered after this delete failed: nothing to retry.
        for (const s of sessions) {
          if (!this.#isHosted(s.sessionId))
            this.#failed.set(s.sessionId, {
              callId: s.callId,
              sessionId: s.sessionId,
              startedAt: s.startedAt,
            });
        }
      }
      throw error;
    }
  }

  /**
   * Retries the failed removals, apart from the cycle so that a hung store never delays heartbeats.
   * `removeOwned` skips a session registered again since, here or on another node.
   */
  retryFailed(): void {
    if (this.#retrying !== undefined || this.#failed.size === 0) return;
    const batch = [...this.#failed.values()];
    const ids = batch.map((s) => s.sessionId);
    this.#retrying = this.#ordered(ids, [], () => this.#protocol.removeOwned(batch))
      .then(
        () => {
          for (const s of batch) if (this.#failed.get(s.sessionId) === s) this.#failed.delete(s.sessionId);
          this.#logger.warn(`sessionkv: removed ${batch.length} session(s) whose removal had failed`, {
            sessionIds: ids,
          });
        },
        (error: unknown) =>
          this.#logger.error("sessionkv: retrying failed removals failed; retrying on the next cycle", error),
      )
      .finally(() => {
        this.#retrying = undefined;
      });
  }

  /** Forgets the failed removals, as a crashed process would; resolves once no retry runs. */
  async abandon(): Promise<void> {
    this.#failed.clear();
    await this.#retrying;
  }

  /**
   * Runs a delete after the sessions' registration and after the cycle writes in flight now, so
   * neither can land later; a re-`add` of the ids waits for it.
   */
  async #ordered(
    ids: readonly string[],
    registering: readonly Promise<void>[],
    remove: () => Promise<void>,
  ): Promise<void> {
    const done = (async () => {
      await Promise.allSettled(registering);
      await Promise.all([...this.#writes]);
      await remove();
    })();
    const settled = done.catch(() => undefined);
    for (const id of ids) {
      this.#removing.set(id, settled);
      void settled.then(() => {
        if (this.#removing.get(id) === settled) this.#removing.delete(id);
      });
    }
    await done;
  }
}
