import { ErrorCode, invalidArgument, isSessionKVError, notRunning } from "../errors.js";
import { type SessionLogger, consoleLogger } from "../registry/logger.js";
import type { SessionMetrics } from "../registry/session-info.js";
import type { OwnedSession, SessionRegistry, SessionWrite } from "../registry/session-registry.js";
import { validateIds, validateMetrics } from "../registry/validate.js";
import { withTimeout } from "../timeout.js";
import { validatePositiveMs } from "../validate.js";
import type { CloseReason, HostedSession, LocalSession } from "./hosted-session.js";
import { MaintenanceLoop } from "./loop.js";

export interface SessionHostOptions {
  /** The registry of the shared store; the host starts it (idempotent) and never stops it. */
  readonly registry: SessionRegistry;
  /** Pause between the end of one maintenance cycle and the start of the next. Default 5000 ms. */
  readonly maintenanceIntervalMs?: number;
  /**
   * How long a cycle waits for each of its two store steps (refresh + read, then write) before it
   * gives up and leaves the rest to the next cycle. At most, and by default,
   * (registry.ttlMs − maintenanceIntervalMs) / 3: see "Timeouts and outages" in the README.
   */
  readonly operationTimeoutMs?: number;
  /** Receives failed cycles, failed close callbacks and re-registrations. Default: the console. */
  readonly logger?: SessionLogger;
}

export const DEFAULT_MAINTENANCE_INTERVAL_MS = 5_000;

/**
 * Start times are bumped by this much when the clock has not moved since the last `add`, so that
 * no two registrations on a node share `node_id` + `started_at`: close flags and retried removals
 * name a registration by them. 10 µs stays distinct after the wire's division into seconds.
 */
const STARTED_AT_STEP_MS = 0.01;

type State = "new" | "running" | "stopping" | "stopped";

/** The sessions a cycle heartbeats, and their ids as `SessionRegistry.poll` takes them. */
interface ReadySessions {
  readonly sessions: readonly LocalSession[];
  readonly ids: ReadonlyMap<string, string>;
}

/**
 * The per-node owner of live sessions: registers them, keeps their records alive, heals records
 * that went missing, publishes metrics, honours close requests from any node, and removes them.
 *
 * Removal never races a write: every delete of a local session's keys waits for the cycle write
 * in flight at that moment, and writes only cover sessions still local and not closing when the
 * write is issued. So a session removed while a cycle runs never reappears.
 */
export class SessionHost implements AsyncDisposable {
  /** Private behind a getter: `structuredClone` and JSON copy own fields, and a store may hold credentials. */
  readonly #registry: SessionRegistry;
  readonly maintenanceIntervalMs: number;
  readonly operationTimeoutMs: number;
  readonly #logger: SessionLogger;
  readonly #loop: MaintenanceLoop;
  readonly #sessions = new Map<string, LocalSession>();
  /** Deletes in progress per session id: a re-`add` of the id waits for them. */
  readonly #removing = new Map<string, Promise<void>>();
  readonly #closeBatches = new Set<Promise<void>>();
  /** Cycle writes until they settle in the store (never reject); every delete waits for those in flight. */
  readonly #writes = new Set<Promise<void>>();
  /** Removals that failed for an outage, by session id: each cycle retries them until they succeed. */
  readonly #pendingRemovals = new Map<string, OwnedSession>();
  #retrying: Promise<void> | undefined;
  /**
   * The ready sessions as the last cycle saw them, reused until one is added or removed: at
   * 10,000 sessions, rebuilding them every cycle was a measurable share of its CPU (issue #12).
   * Replaced, never mutated: a cycle in flight keeps reading the one it took.
   */
  #ready: ReadySessions | undefined;
  #lastStartedAt = 0;
  #state: State = "new";
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #cycles = 0;

  constructor(options: SessionHostOptions) {
    if (options === null || typeof options !== "object")
      throw invalidArgument("options", "must be an object with a registry");
    const { registry } = options;
    if (!isRegistry(registry)) throw invalidArgument("registry", "must be a SessionRegistry");
    const interval = options.maintenanceIntervalMs ?? DEFAULT_MAINTENANCE_INTERVAL_MS;
    validatePositiveMs(interval, "maintenanceIntervalMs");
    if (registry.ttlMs <= 2 * interval) {
      throw invalidArgument(
        "registry.ttlMs",
        `(${registry.ttlMs}) must be greater than 2 × maintenanceIntervalMs (${interval}), so that a record survives a late or failed heartbeat`,
      );
    }
    const budget = (registry.ttlMs - interval) / 3;
    const timeout = options.operationTimeoutMs ?? budget;
    validatePositiveMs(timeout, "operationTimeoutMs");
    if (timeout > budget) {
      throw invalidArgument(
        "operationTimeoutMs",
        `(${timeout}) must be at most (registry.ttlMs − maintenanceIntervalMs) / 3 = (${registry.ttlMs} − ${interval}) / 3, so that a record outlives a cycle whose store calls hang`,
      );
    }
    this.#registry = registry;
    this.maintenanceIntervalMs = interval;
    this.operationTimeoutMs = timeout;
    this.#logger = options.logger ?? consoleLogger;
    this.#loop = new MaintenanceLoop(
      () => this.#cycle(),
      interval,
      (error) => this.#logger.error("sessionkv: maintenance cycle failed; retrying on the next one", error),
    );
  }

  get registry(): SessionRegistry {
    return this.#registry;
  }

  /** What `JSON.stringify` shows (core README, "Secrets"): never the store's connection settings. */
  toJSON(): object {
    return {
      maintenanceIntervalMs: this.maintenanceIntervalMs,
      operationTimeoutMs: this.operationTimeoutMs,
      running: this.running,
      sessions: this.#sessions.size,
      registry: this.#registry.toJSON(),
    };
  }

  /** Sessions this node owns (sessionId → callId), those being closed included until removed. */
  get sessions(): ReadonlyMap<string, string> {
    return new Map([...this.#sessions.values()].map((s) => [s.sessionId, s.callId]));
  }

  /** Maintenance cycles completed (successful or not) since start. */
  get cycles(): number {
    return this.#cycles;
  }

  get running(): boolean {
    return this.#state === "running";
  }

  /** Starts the registry (and its store) and the maintenance loop. Idempotent. */
  async start(): Promise<void> {
    if (this.#state === "stopping" || this.#state === "stopped")
      throw notRunning("SessionHost", "start", "after stop()");
    this.#starting ??= this.registry.start().then(
      () => {
        if (this.#state !== "new") return;
        this.#state = "running";
        this.#loop.start();
      },
      (error: unknown) => {
        this.#starting = undefined;
        throw error;
      },
    );
    return this.#starting;
  }

  /** Registers a session this node runs and keeps it alive until it is removed or closed. */
  async add(callId: string, sessionId: string, session: HostedSession): Promise<void> {
    validateIds(callId, sessionId, this.registry.store.capabilities);
    if (session === null || typeof session !== "object" || typeof session.close !== "function") {
      throw invalidArgument("session", "must be an object with a close(reason) function");
    }
    if (session.metrics !== undefined && typeof session.metrics !== "function") {
      throw invalidArgument("session.metrics", "must be a function returning the metrics, or undefined");
    }
    this.#assertRunning("add");
    if (this.#sessions.has(sessionId))
      throw invalidArgument("sessionId", `${JSON.stringify(sessionId)} is already hosted on this node`);
    this.#pendingRemovals.delete(sessionId);
    const local: LocalSession = {
      callId,
      sessionId,
      startedAt: this.#nextStartedAt(),
      handlers: session,
      registering: Promise.resolve(),
      ready: false,
      published: undefined,
      closing: undefined,
    };
    this.#sessions.set(sessionId, local);
    const metrics = this.#readMetrics(local);
    local.registering = (async () => {
      await this.#removing.get(sessionId);
      await this.registry.register(callId, sessionId, {
        startedAt: local.startedAt,
        ...(metrics === undefined ? {} : { metrics }),
      });
    })();
    try {
      await local.registering;
    } catch (error) {
      if (this.#sessions.get(sessionId) === local) this.#forget(sessionId);
      throw error;
    }
    if (metrics !== undefined) local.published = { ...metrics };
    local.ready = true;
    this.#ready = undefined;
  }

  /** The local end of a session: forgets it and deletes its keys (without calling its `close`). */
  async remove(callId: string, sessionId: string): Promise<void> {
    validateIds(callId, sessionId, this.registry.store.capabilities);
    this.#assertStarted("remove");
    const local = this.#sessions.get(sessionId);
    const ours = local !== undefined && local.callId === callId ? [local] : [];
    if (ours.length > 0) this.#forget(sessionId);
    await this.#deleteKeys(ours, new Map([[sessionId, callId]]));
  }

  /**
   * Closes a session wherever it runs: a local one now (resolving once it is closed and removed, or
   * at once if its close is already under way), a remote one through its close flag.
   */
  async requestClose(callId: string, sessionId: string): Promise<void> {
    validateIds(callId, sessionId, this.registry.store.capabilities);
    this.#assertRunning("requestClose");
    const local = this.#sessions.get(sessionId);
    if (local === undefined || local.callId !== callId) {
      await this.registry.requestClose(callId, sessionId);
      return;
    }
    // A close already under way is not awaited: the caller may be that session's own close callback.
    if (local.closing !== undefined) return;
    await this.#close([local], "close-requested");
  }

  /** Runs one maintenance cycle now, after the one in progress. Never rejects for a failed cycle (it is logged). */
  async maintain(): Promise<void> {
    this.#assertRunning("maintain");
    await this.#loop.run();
  }

  /**
   * Stops the loop, waits for the running cycle and for closes in progress, then closes every
   * remaining local session (reason "host-stopped") and removes them all in one store call.
   * The registry and the store stay open for their owners. Idempotent.
   */
  async stop(): Promise<void> {
    if (this.#stopping !== undefined) return this.#stopping;
    const wasStarted = this.#state !== "new";
    this.#state = "stopping";
    this.#stopping = (async () => {
      await this.#loop.stop();
      await Promise.allSettled([...this.#closeBatches]);
      const rest = [...this.#sessions.values()].filter((s) => s.closing === undefined);
      if (wasStarted && rest.length > 0) {
        await this.#close(rest, "host-stopped").catch((error: unknown) => {
          this.#logger.error(
            "sessionkv: removing the sessions of a stopped host failed; they expire on their TTL",
            error,
          );
        });
      }
      await Promise.allSettled([...this.#closeBatches, ...this.#removing.values()]);
      if (this.#pendingRemovals.size > 0) {
        this.#logger.error(
          "sessionkv: a stopped host could not remove some sessions; they expire on their TTL",
          {
            sessionIds: [...this.#pendingRemovals.keys()],
          },
        );
      }
      this.#state = "stopped";
    })();
    return this.#stopping;
  }

  /**
   * Simulates a crash (for tests and drills): the loop stops after the running cycle and the
   * sessions are forgotten with no close callback and no delete, so their records expire on the
   * TTL as if the process had died. Resolves once nothing of this host writes any more.
   */
  async abandon(): Promise<void> {
    this.#state = "stopped";
    this.#stopping ??= Promise.resolve();
    await this.#loop.stop();
    this.#sessions.clear();
    this.#ready = undefined;
    this.#pendingRemovals.clear();
    await this.#retrying;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  async #cycle(): Promise<void> {
    try {
      await this.#maintain();
    } finally {
      this.#cycles++;
    }
  }

  /** One cycle: refresh + read (2 store calls), closes started, then one write of changed or missing records. */
  async #maintain(): Promise<void> {
    this.#retryRemovals();
    const { sessions: snapshot, ids } = this.#readySessions();
    if (snapshot.length === 0) return;
    const polled = await this.#bounded(this.registry.poll(ids), "refresh");
    const inSnapshot = polled.closeRequested.length === 0 ? undefined : new Set(snapshot);
    const toClose = polled.closeRequested
      .map((id) => this.#sessions.get(id))
      .filter((s): s is LocalSession => s !== undefined && inSnapshot!.has(s) && s.closing === undefined);
    if (toClose.length > 0) {
      this.#close(toClose, "close-requested").catch((error: unknown) => {
        this.#logger.error(
          "sessionkv: removing closed sessions failed; the next cycles retry it after an outage, else their records expire on the TTL",
          error,
        );
      });
    }
    // Decided synchronously from here to the publish call: a session removed or closing from now
    // on waits for this write before its delete (see #deleteKeys).
    const writes: SessionWrite[] = [];
    const published = new Map<LocalSession, SessionMetrics>();
    const healed: LocalSession[] = [];
    for (const local of snapshot) {
      if (this.#sessions.get(local.sessionId) !== local || local.closing !== undefined) continue;
      const previous = polled.records.get(local.sessionId) ?? null;
      const read = this.#readMetrics(local, local.published);
      // A copy: metrics() may hand back one object it mutates in place.
      const current = read === undefined ? undefined : { ...read };
      if (previous === null) healed.push(local);
      else if (current === undefined) continue;
      const metrics = current ?? local.published ?? previous?.info.metrics ?? {};
      writes.push({
        callId: local.callId,
        sessionId: local.sessionId,
        startedAt: local.startedAt,
        metrics,
        previous,
      });
      if (current !== undefined) published.set(local, current);
    }
    if (writes.length === 0) return;
    // Tracked before publish is called: a delete requested from inside the store call still waits.
    // It is tracked until the store settles, even after this cycle stopped waiting for it.
    let written!: () => void;
    const writing = new Promise<void>((resolve) => {
      written = resolve;
    });
    this.#writes.add(writing);
    const publishing = this.registry.publish(writes);
    const settle = () => {
      this.#writes.delete(writing);
      written();
    };
    void publishing.then(settle, settle);
    const skipped = new Map((await this.#bounded(publishing, "write")).map((w) => [w.sessionId, w.error]));
    for (const [sessionId, error] of skipped) {
      this.#logger.warn(
        `sessionkv: the record of session ${JSON.stringify(sessionId)} was not written (too large for the store); the other sessions' were`,
        error,
      );
    }
    for (const [local, metrics] of published) if (!skipped.has(local.sessionId)) local.published = metrics;
    const reRegistered = healed.filter((s) => !skipped.has(s.sessionId)).map((s) => s.sessionId);
    if (reRegistered.length > 0) {
      this.#logger.warn(
        `sessionkv: re-registered ${reRegistered.length} session record(s) that had gone missing`,
        { sessionIds: reRegistered },
      );
    }
  }

  #readySessions(): ReadySessions {
    if (this.#ready !== undefined) return this.#ready;
    const sessions: LocalSession[] = [];
    const ids = new Map<string, string>();
    for (const s of this.#sessions.values()) {
      if (!s.ready) continue;
      sessions.push(s);
      ids.set(s.sessionId, s.callId);
    }
    this.#ready = { sessions, ids };
    return this.#ready;
  }

  #forget(sessionId: string): void {
    this.#sessions.delete(sessionId);
    this.#ready = undefined;
  }

  /** Calls each `close`, then removes the sessions in one delete. Rejects only if that delete fails. */
  #close(sessions: readonly LocalSession[], reason: CloseReason): Promise<void> {
    // The body starts on a later microtask, so every session is marked closing before its
    // callback runs (a callback may call requestClose or remove for its own session).
    const batch = Promise.resolve().then(async () => {
      await Promise.all(sessions.map((s) => this.#invokeClose(s, reason)));
      const ours = sessions.filter((s) => this.#sessions.get(s.sessionId) === s);
      for (const s of ours) this.#forget(s.sessionId);
      await this.#deleteKeys(ours, new Map(ours.map((s) => [s.sessionId, s.callId])));
    });
    for (const s of sessions) s.closing = batch;
    const tracked = batch.catch(() => undefined).finally(() => this.#closeBatches.delete(tracked));
    this.#closeBatches.add(tracked);
    return batch;
  }

  async #invokeClose(session: LocalSession, reason: CloseReason): Promise<void> {
    try {
      await session.handlers.close(reason);
    } catch (error) {
      this.#logger.error(
        `sessionkv: close(${JSON.stringify(reason)}) of session ${JSON.stringify(session.sessionId)} threw; removing it anyway`,
        error,
      );
    }
  }

  /**
   * Deletes the keys; a delete that failed for an outage is retried by the next cycles (see
   * #retryRemovals) for the local sessions among them.
   */
  async #deleteKeys(sessions: readonly LocalSession[], keys: ReadonlyMap<string, string>): Promise<void> {
    if (keys.size === 0) return;
    try {
      await this.#ordered(
        [...keys.keys()],
        sessions.map((s) => s.registering),
        () => this.registry.removeMany(keys),
      );
    } catch (error) {
      if (isSessionKVError(error, ErrorCode.STORE_UNAVAILABLE)) {
        // An id hosted again since was re-registered after this delete failed: nothing to retry.
        for (const s of sessions) {
          if (!this.#sessions.has(s.sessionId))
            this.#pendingRemovals.set(s.sessionId, {
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
  #retryRemovals(): void {
    if (this.#retrying !== undefined || this.#pendingRemovals.size === 0) return;
    const batch = [...this.#pendingRemovals.values()];
    const ids = batch.map((s) => s.sessionId);
    this.#retrying = this.#ordered(ids, [], () => this.registry.removeOwned(batch))
      .then(
        () => {
          for (const s of batch)
            if (this.#pendingRemovals.get(s.sessionId) === s) this.#pendingRemovals.delete(s.sessionId);
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

  /** A cycle step bounded by `operationTimeoutMs`: past it the cycle fails and the next one takes over. */
  #bounded<T>(work: Promise<T>, step: string): Promise<T> {
    return withTimeout(work, this.operationTimeoutMs, `the maintenance cycle's ${step}`);
  }

  #nextStartedAt(): number {
    const now = Date.now();
    this.#lastStartedAt = now > this.#lastStartedAt ? now : this.#lastStartedAt + STARTED_AT_STEP_MS;
    return this.#lastStartedAt;
  }

  /** The session's metrics, or undefined when it has none, they failed (logged) or equal `published`. */
  #readMetrics(session: LocalSession, published?: SessionMetrics): SessionMetrics | undefined {
    const read = session.handlers.metrics;
    if (read === undefined) return undefined;
    try {
      const metrics = read.call(session.handlers);
      // Equal to what was last written, which was validated: valid too, and one pass over the
      // names instead of two (most sessions of most cycles).
      if (published !== undefined && isObject(metrics) && sameMetrics(metrics, published)) return undefined;
      validateMetrics(metrics, `metrics() of session ${JSON.stringify(session.sessionId)}`);
      return metrics;
    } catch (error) {
      this.#logger.warn(
        `sessionkv: metrics() of session ${JSON.stringify(session.sessionId)} failed; keeping the last ones`,
        error,
      );
      return undefined;
    }
  }

  #assertRunning(operation: string): void {
    if (this.#state === "running") return;
    throw notRunning(
      "SessionHost",
      operation,
      this.#state === "new" ? "before start() completed" : "after stop()",
    );
  }

  /** Running or stopping: a close callback may still remove its session while the host stops. */
  #assertStarted(operation: string): void {
    if (this.#state === "new") throw notRunning("SessionHost", operation, "before start() completed");
    if (this.#state === "stopped") throw notRunning("SessionHost", operation, "after stop()");
  }
}

/**
 * Whether `current` holds the same names and values as the metrics last written: what decides that
 * a cycle writes nothing for the session. NaN equals NaN (both are null on the wire); the order
 * of the names does not count.
 */
function sameMetrics(current: SessionMetrics, published: SessionMetrics | undefined): boolean {
  if (published === undefined) return false;
  let names = 0;
  for (const name in current) {
    if (!Object.hasOwn(current, name)) continue;
    names++;
    if (!Object.hasOwn(published, name)) return false;
    const value = current[name];
    const before = published[name];
    if (value !== before && !(Number.isNaN(value) && Number.isNaN(before))) return false;
  }
  for (const name in published) if (Object.hasOwn(published, name)) names--;
  return names === 0;
}

function isObject(value: unknown): value is SessionMetrics {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isRegistry(value: unknown): value is SessionRegistry {
  if (value === null || typeof value !== "object") return false;
  const registry = value as Record<string, unknown>;
  return (
    typeof registry.ttlMs === "number" &&
    typeof registry.poll === "function" &&
    typeof registry.publish === "function"
  );
}
