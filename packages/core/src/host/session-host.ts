import {
  type HostCycleContext,
  closeRequestedChannel,
  hostCycleChannel,
  traceHostCycle,
} from "../diagnostics/host-channels.js";
import { ErrorCode, SessionKVError, invalidArgument } from "../errors.js";
import { Lifecycle, runningLifecycleErrors } from "../lifecycle.js";
import type { HostProtocol } from "../registry/host-protocol.js";
import type { SessionLogger } from "../registry/logger.js";
import { type NodeRecordContent, validateDrainOptions } from "../registry/node-record.js";
import type { SessionRegistry } from "../registry/session-registry.js";
import { validateIds } from "../registry/validate.js";
import { withTimeout } from "../timeout.js";
import { validatePositiveMs } from "../validate.js";
import { HostDrain } from "./drain.js";
import { HostEvents } from "./host-events.js";
import type { HostedSession, LocalSession } from "./hosted-session.js";
import { MaintenanceLoop } from "./loop.js";
import { readChangedMetrics } from "./metrics-change.js";
import { NodeRecordWriter } from "./node-record-writer.js";
import {
  type AddOptions,
  type DrainOptions,
  type ReserveOptions,
  type SessionHostOptions,
  resolveHostOptions,
  validateHostedSession,
  validateMethodOptions,
} from "./options.js";
import { PushClose } from "./push-close.js";
import { RemovalFence } from "./removal-fence.js";
import { SeatAdmission } from "./seat-admission.js";
import type { SeatReservation } from "./seat-reservation.js";
import { HostSeats } from "./seats.js";
import { SessionClose } from "./session-close.js";
import { SessionDeadlines } from "./session-deadline.js";
import { SessionWritePlan, type SessionWritesHost } from "./session-writes.js";
import { StartTimes } from "./start-times.js";
import { TakenOverSessions } from "./takeover.js";

/** The sessions a cycle heartbeats, and their ids as `HostProtocol.poll` takes them. */
interface ReadySessions {
  readonly sessions: readonly LocalSession[];
  readonly ids: ReadonlyMap<string, string>;
}

/**
 * The per-node owner of live sessions: registers them, keeps their records alive, heals records
 * that went missing, publishes metrics, honours close requests from any node, and removes them.
 *
 * Removal never races a write (see `RemovalFence`): writes only cover sessions still local and
 * not closing when the write is issued. So a session removed while a cycle runs never reappears.
 */
export class SessionHost implements AsyncDisposable {
  /** Private behind a getter: `structuredClone` and JSON copy own fields, and a store may hold credentials. */
  readonly #registry: SessionRegistry;
  readonly maintenanceIntervalMs: number;
  readonly operationTimeoutMs: number;
  /** Whether this host listens for doorbells: `pushClose` allowed it and the store can push. */
  readonly pushClose: boolean;
  readonly #protocol: HostProtocol;
  readonly #logger: SessionLogger;
  readonly #loop: MaintenanceLoop;
  readonly #lifecycle = new Lifecycle(runningLifecycleErrors("SessionHost"));
  readonly #sessions = new Map<string, LocalSession>();
  readonly #fence: RemovalFence;
  readonly #closer: SessionClose;
  readonly #push: PushClose | undefined;
  /**
   * The ready sessions as the last cycle saw them, reused until one is added or removed: at
   * 10,000 sessions, rebuilding them every cycle was a measurable share of its CPU (docs/benchmarks.md).
   * Replaced, never mutated: a cycle in flight keeps reading the one it took.
   */
  #ready: ReadySessions | undefined;
  readonly #startTimes = new StartTimes();
  readonly #nodeRecord: NodeRecordWriter;
  readonly #drain: HostDrain;
  /** When `start()` began: names this run of the node in its node record and in drain flags. */
  #startedAt = 0;
  readonly maxSessionsPerCall: number | undefined;
  readonly maxSessions: number | undefined;
  readonly maxSessionDurationMs: number | undefined;
  /** Seat keys of `add` and `reserve`, refreshed in the heartbeat's `expire`, released with the session. */
  readonly #seats: HostSeats<object>;
  readonly #admission: SeatAdmission;
  readonly #deadlines: SessionDeadlines<LocalSession>;
  readonly #deadlineOf = new WeakMap<LocalSession, number>();
  readonly #takenOver: TakenOverSessions;
  readonly #writesHost: SessionWritesHost;
  /** Reports beside the log lines: seats lost or retaken, records taken over ("Host events" in the README). */
  readonly events: HostEvents;

  constructor(options: SessionHostOptions) {
    const resolved = resolveHostOptions(options);
    const { registry, maintenanceIntervalMs: interval } = resolved;
    this.#nodeRecord = new NodeRecordWriter(resolved.labels);
    this.#registry = registry;
    this.maintenanceIntervalMs = interval;
    this.operationTimeoutMs = resolved.operationTimeoutMs;
    this.#protocol = registry.hostProtocol;
    this.#logger = resolved.logger;
    this.pushClose = resolved.pushClose && PushClose.available(registry);
    this.#push = this.pushClose
      ? new PushClose({
          registry,
          logger: this.#logger,
          session: (sessionId) => this.#sessions.get(sessionId),
          running: () => this.#lifecycle.started,
          readCloseRequests: (sessions) =>
            this.#bounded(this.#protocol.readCloseRequests(sessions), "doorbell read"),
          close: (sessions) => this.#closer.close(sessions, "close-requested"),
          runCycle: () => void this.#loop.run(),
        })
      : undefined;
    this.maxSessionsPerCall = resolved.maxSessionsPerCall;
    this.maxSessions = resolved.maxSessions;
    this.maxSessionDurationMs = resolved.maxSessionDurationMs;
    this.events = new HostEvents(this.#logger);
    this.#takenOver = new TakenOverSessions(registry.nodeId, this.#logger, this.events);
    this.#writesHost = {
      logger: this.#logger,
      writable: (local) => this.#sessions.get(local.sessionId) === local && local.closing === undefined,
      isOwn: (local, record) => this.#takenOver.isOwn(local, record),
      takenOver: (local, ownerNodeId) => {
        if (this.#takenOver.report(local, ownerNodeId)) this.#ready = undefined;
      },
      deadlineOf: (local) => this.#deadlineOf.get(local),
    };
    this.#seats = new HostSeats({
      seats: registry.seats,
      events: this.events,
      logger: this.#logger,
      ttlMs: registry.ttlMs,
      // A registry-like object without a store (a test double of the host protocol) has no resolution to add.
      ttlResolutionMs: registry.store?.capabilities?.ttlResolutionMs ?? 1,
    });
    this.#admission = new SeatAdmission({
      registry,
      lifecycle: this.#lifecycle,
      seats: this.#seats,
      maxSessionsPerCall: this.maxSessionsPerCall,
      maxSessions: this.maxSessions,
      sessionCount: () => this.#sessions.size,
      addReserved: (callId, sessionId, session, options, reservation) =>
        this.#add(callId, sessionId, session, options, reservation),
    });
    this.#drain = new HostDrain({
      nodeId: registry.nodeId,
      logger: this.#logger,
      noneLeft: () => this.#sessions.size === 0,
      closeRest: async () => {
        if (!this.#lifecycle.started) return;
        const rest = [...this.#sessions.values()].filter((s) => s.closing === undefined);
        if (rest.length > 0) await this.#closer.close(rest, "drain");
        await this.#closer.settled();
      },
    });
    this.#closer = new SessionClose({
      nodeId: registry.nodeId,
      logger: this.#logger,
      removeClosed: (sessions) => this.#removeClosed(sessions),
    });
    this.#deadlines = new SessionDeadlines((local) => this.#closeAtDeadline(local));
    this.#fence = new RemovalFence(this.#protocol, this.#logger, (sessionId) =>
      this.#sessions.has(sessionId),
    );
    this.#loop = new MaintenanceLoop(
      () =>
        hostCycleChannel.hasSubscribers
          ? traceHostCycle(registry.nodeId, (observed) => this.#refreshCloseAndWrite(observed))
          : this.#refreshCloseAndWrite(undefined),
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
    return this.#loop.cycles;
  }

  get running(): boolean {
    return this.#lifecycle.started;
  }

  /** Whether the host drains: it refuses `add` (see `drain`). */
  get draining(): boolean {
    return this.#drain.draining;
  }

  /** Whether the doorbell subscription holds now (false while the store reconnects, or without push). */
  get doorbellSubscribed(): boolean {
    return this.#push?.subscribed === true;
  }

  /**
   * Starts the registry (and its store), writes the node record (1 `mset`), then starts the
   * maintenance loop. Idempotent.
   */
  async start(): Promise<void> {
    return this.#lifecycle.start(
      async () => {
        this.#startedAt = Date.now();
        await this.registry.start();
        const node = this.#nodeContent();
        // Not fatal: the cycles write the record until one succeeds, as they heal session records.
        await this.#protocol.publish([], node).then(
          () => this.#nodeRecord.written(node),
          (error: unknown) =>
            this.#logger.warn("sessionkv: writing the node record failed; the next cycle retries it", error),
        );
      },
      () => {
        this.#loop.start();
        void this.#push?.ensure();
      },
    );
  }

  /**
   * Registers a session this node runs and keeps it alive until it is removed or closed. With a
   * seat limit it first takes a seat of the call (ERR_LIMIT_REACHED when none is free); an id that
   * another live node hosts rejects with ERR_SESSION_EXISTS naming it.
   */
  async add(callId: string, sessionId: string, session: HostedSession, options?: AddOptions): Promise<void> {
    return this.#add(callId, sessionId, session, options, undefined);
  }

  /**
   * Takes a seat of the call now, for a session that takes a while to launch: the seat counts,
   * is refreshed while held and expires with the node. Then `seat.add(sessionId, session)` or
   * `seat.release()`. Needs a limit (`maxSessionsPerCall` here or on the host).
   */
  async reserve(callId: string, options?: ReserveOptions): Promise<SeatReservation> {
    return this.#admission.reserve(callId, options);
  }

  async #add(
    callId: string,
    sessionId: string,
    session: HostedSession,
    options: AddOptions | undefined,
    reservation: object | undefined,
  ): Promise<void> {
    validateIds(callId, sessionId, this.registry.store.capabilities);
    validateMethodOptions(options);
    const limit = this.#admission.limitOf(options, reservation);
    const duration = options?.maxSessionDurationMs ?? this.maxSessionDurationMs;
    if (duration !== undefined) validatePositiveMs(duration, "options.maxSessionDurationMs");
    validateHostedSession(session);
    this.#lifecycle.assertStarted("add");
    if (this.#drain.draining) {
      throw new SessionKVError(
        ErrorCode.DRAINING,
        `SessionHost.add() called on a draining host (node ${JSON.stringify(this.registry.nodeId)}): it takes no new sessions`,
      );
    }
    if (this.#sessions.has(sessionId))
      throw invalidArgument("sessionId", `${JSON.stringify(sessionId)} is already hosted on this node`);
    // A reservation already counts against the node's cap: its session takes its place.
    this.#admission.checkNodeLimit(callId, reservation === undefined ? 0 : 1);
    this.#fence.dropFailed(sessionId);
    const local: LocalSession = {
      callId,
      sessionId,
      startedAt: this.#startTimes.next(),
      handlers: session,
      registering: Promise.resolve(),
      ready: false,
      published: undefined,
      closing: undefined,
    };
    this.#sessions.set(sessionId, local);
    const metrics = readChangedMetrics(sessionId, session, undefined, this.#logger);
    const deadline = duration === undefined ? undefined : local.startedAt + duration;
    if (deadline !== undefined) this.#deadlineOf.set(local, deadline);
    local.registering = (async () => {
      await this.#fence.removalOf(sessionId);
      if (limit !== undefined)
        await this.#admission.claimFor(local, limit, () => this.#sessions.get(sessionId) === local);
      await this.registry.register(callId, sessionId, {
        startedAt: local.startedAt,
        ...(metrics === undefined ? {} : { metrics }),
        ...(deadline === undefined ? {} : { deadline }),
      });
    })();
    try {
      await local.registering;
    } catch (error) {
      if (this.#sessions.get(sessionId) === local) this.#forget(sessionId);
      else void this.#seats.release(local);
      throw error;
    }
    if (reservation !== undefined) this.#admission.admitted(reservation, local);
    if (metrics !== undefined) local.published = { ...metrics };
    local.ready = true;
    this.#ready = undefined;
    if (deadline !== undefined && this.#sessions.get(sessionId) === local)
      this.#deadlines.arm(local, deadline);
  }

  /** The host's seat holdings, for tests and the README's invariants: how many seats it holds for a call. */
  seatsHeldFor(callId: string): number {
    return this.#seats.heldFor(callId);
  }

  #closeAtDeadline(local: LocalSession): void {
    if (this.#sessions.get(local.sessionId) !== local || local.closing !== undefined) return;
    this.#closer.close([local], "max-duration").catch((error: unknown) => {
      this.#logger.error(
        `sessionkv: removing session ${JSON.stringify(local.sessionId)} at its deadline failed; the next cycles retry it after an outage, else its record expires on the TTL`,
        error,
      );
    });
  }

  /** The local end of a session: forgets it and deletes its keys (without calling its `close`). */
  async remove(callId: string, sessionId: string): Promise<void> {
    validateIds(callId, sessionId, this.registry.store.capabilities);
    // Also while stopping: a close callback may still remove its session.
    this.#lifecycle.assertStartedOrStopping("remove");
    const local = this.#sessions.get(sessionId);
    const ours = local !== undefined && local.callId === callId ? [local] : [];
    if (ours.length > 0) this.#forget(sessionId);
    // The record of a session taken over is another node's now: it is not deleted from here.
    if (local !== undefined && this.#takenOver.has(local)) return;
    await this.#fence.remove(ours, new Map([[sessionId, callId]]));
  }

  /**
   * Closes a session wherever it runs: a local one now (resolving once it is closed and removed, or
   * at once if its close is already under way), a remote one through its close flag.
   */
  async requestClose(callId: string, sessionId: string): Promise<void> {
    validateIds(callId, sessionId, this.registry.store.capabilities);
    this.#lifecycle.assertStarted("requestClose");
    const local = this.#sessions.get(sessionId);
    if (local === undefined || local.callId !== callId) {
      await this.registry.requestClose(callId, sessionId);
      return;
    }
    // A close already under way is not awaited: the caller may be that session's own close callback.
    if (local.closing !== undefined) return;
    const requestedAt = Date.now();
    if (closeRequestedChannel.hasSubscribers)
      closeRequestedChannel.publish({ nodeId: this.registry.nodeId, local: true });
    await this.#closer.close([local], "close-requested", () => requestedAt, true);
  }

  /**
   * Drains this node: from now on `add` rejects with ERR_DRAINING, and the node record shows
   * `draining: true` (written by a cycle run now, which this call awaits). With `graceMs`, it then
   * waits for the sessions to end on their own and, when the grace period runs out, closes the
   * rest with reason "drain"; it resolves once none is left (or the host stopped). Then `stop()`.
   */
  async drain(options?: DrainOptions): Promise<void> {
    const { graceMs } = validateDrainOptions(options);
    this.#lifecycle.assertStarted("drain");
    this.#drain.begin();
    await this.#loop.run();
    if (graceMs !== undefined) await this.#drain.closeAfterGrace(graceMs);
  }

  /** Runs one maintenance cycle now, after the one in progress. Never rejects for a failed cycle (it is logged). */
  async runCycle(): Promise<void> {
    this.#lifecycle.assertStarted("runCycle");
    await this.#loop.run();
  }

  /** @deprecated The former name of `runCycle()`, kept for existing callers. */
  async maintain(): Promise<void> {
    this.#lifecycle.assertStarted("maintain");
    await this.#loop.run();
  }

  /**
   * Stops the loop, waits for the running cycle and for closes in progress, then closes every
   * remaining local session (reason "host-stopped") and removes them all in one store call.
   * The registry and the store stay open for their owners. Idempotent.
   */
  async stop(): Promise<void> {
    return this.#lifecycle.stop(async ({ wasStarted }) => {
      this.#drain.stop();
      await this.#push?.stop();
      await this.#loop.stop();
      await this.#closer.settled();
      const rest = [...this.#sessions.values()].filter((s) => s.closing === undefined);
      if (wasStarted && rest.length > 0) {
        await this.#closer.close(rest, "host-stopped").catch((error: unknown) => {
          this.#logger.error(
            "sessionkv: removing the sessions of a stopped host failed; they expire on their TTL",
            error,
          );
        });
      }
      this.#admission.releaseReservations();
      await Promise.allSettled([this.#closer.settled(), this.#fence.removalsSettled()]);
      await this.#seats.settled();
      if (wasStarted) {
        // The node leaves the list now rather than when its record expires.
        await this.#protocol.removeNode().catch((error: unknown) => {
          this.#logger.error("sessionkv: deleting the node record failed; it expires on its TTL", error);
        });
      }
      const failed = this.#fence.failedIds;
      if (failed.length > 0) {
        this.#logger.error(
          "sessionkv: a stopped host could not remove some sessions; they expire on their TTL",
          { sessionIds: failed },
        );
      }
    });
  }

  /**
   * Simulates a crash (for tests and drills): the loop stops after the running cycle and the
   * sessions are forgotten with no close callback and no delete, so their records expire on the
   * TTL as if the process had died. Resolves once nothing of this host writes any more.
   */
  async abandon(): Promise<void> {
    this.#lifecycle.stopNow();
    this.#drain.stop();
    await this.#push?.stop();
    await this.#loop.stop();
    this.#sessions.clear();
    this.#ready = undefined;
    this.#deadlines.clearAll();
    this.#admission.forgetReservations();
    this.#seats.abandon();
    await this.#fence.abandon();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /**
   * One cycle: refresh + read (2 store calls, the node record and drain flag folded in), closes
   * started, then one write of changed or missing records (the node record's among them); failed
   * removals are retried beside it. `observed` is the diagnostics channel's context, filled in
   * only while someone subscribes.
   */
  async #refreshCloseAndWrite(observed: HostCycleContext | undefined): Promise<void> {
    this.#fence.retryFailed();
    // A subscription that failed is retried here; its success runs one more full cycle.
    void this.#push?.ensure();
    const { sessions: snapshot, ids } = this.#readySessions();
    if (observed !== undefined) observed.sessions = snapshot.length;
    const seatKeys = this.#seats.keys();
    const refreshedAt = Date.now();
    const polled = await this.#bounded(
      this.#protocol.poll(ids, { startedAt: this.#startedAt }, seatKeys),
      "refresh",
    );
    if (observed !== undefined) {
      for (const record of polled.records.values()) if (record !== null) observed.refreshed++;
    }
    const drainRequested = polled.node?.drainRequested ?? null;
    if (drainRequested !== null) this.#drain.requested(drainRequested);
    if (this.#seats.size > 0) {
      let missing = false;
      for (const record of polled.records.values()) if (record === null) missing = true;
      await this.#bounded(this.#seats.afterRefresh(refreshedAt, missing), "seat check");
    }
    const inSnapshot = polled.closeRequested.length === 0 ? undefined : new Set(snapshot);
    const toClose = polled.closeRequested
      .map((id) => this.#sessions.get(id))
      .filter((s): s is LocalSession => s !== undefined && inSnapshot!.has(s) && s.closing === undefined);
    if (toClose.length > 0) {
      if (observed !== undefined) observed.closed = toClose.length;
      const requestedAt = polled.closeRequestedAt;
      this.#closer
        .close(toClose, "close-requested", (s) => requestedAt?.get(s.sessionId), false)
        .catch((error: unknown) => {
          this.#logger.error(
            "sessionkv: removing closed sessions failed; the next cycles retry it after an outage, else their records expire on the TTL",
            error,
          );
        });
    }
    // Decided synchronously from here to the publish call: see SessionWritePlan.
    const plan = new SessionWritePlan(this.#writesHost, snapshot, polled.records);
    const { writes } = plan;
    const node = this.#nodeRecord.due(this.#nodeContent(), polled.node?.recordFound ?? false);
    if (writes.length === 0 && node === undefined) return;
    const publishing = this.#fence.write(() => this.#protocol.publish(writes, node));
    const skipped = await this.#bounded(publishing, "write");
    if (node !== undefined) this.#nodeRecord.written(node);
    const reRegistered = plan.written(skipped, this.#logger);
    if (observed !== undefined) observed.healed = reRegistered;
  }

  #readySessions(): ReadySessions {
    if (this.#ready !== undefined) return this.#ready;
    const sessions: LocalSession[] = [];
    const ids = new Map<string, string>();
    for (const s of this.#sessions.values()) {
      if (!s.ready || this.#takenOver.has(s)) continue;
      sessions.push(s);
      ids.set(s.sessionId, s.callId);
    }
    this.#ready = { sessions, ids };
    return this.#ready;
  }

  #forget(sessionId: string): void {
    const local = this.#sessions.get(sessionId);
    this.#sessions.delete(sessionId);
    this.#ready = undefined;
    this.#drain.sessionEnded();
    if (local === undefined) return;
    this.#deadlines.clear(local);
    void this.#seats.release(local);
  }

  #nodeContent(): NodeRecordContent {
    return this.#nodeRecord.content(this.#startedAt, this.#sessions.size, this.#drain.draining);
  }

  /** A closed batch leaves the table here, where the table lives; its records go through the fence. */
  async #removeClosed(sessions: readonly LocalSession[]): Promise<void> {
    const ours = sessions.filter((s) => this.#sessions.get(s.sessionId) === s);
    for (const s of ours) this.#forget(s.sessionId);
    // Records taken over by another node are that node's to delete.
    const mine = ours.filter((s) => !this.#takenOver.has(s));
    await this.#fence.remove(mine, new Map(mine.map((s) => [s.sessionId, s.callId])));
  }

  /** A cycle step bounded by `operationTimeoutMs`: past it the cycle fails and the next one takes over. */
  #bounded<T>(work: Promise<T>, step: string): Promise<T> {
    return withTimeout(work, this.operationTimeoutMs, `the maintenance cycle's ${step}`);
  }
}
