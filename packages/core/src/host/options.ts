import { invalidArgument } from "../errors.js";
import { validateSeatLimit } from "../registry/call-seats.js";
import { type SessionLogger, consoleLogger } from "../registry/logger.js";
import { type RequestDrainOptions, encodeNodeRecord, validateLabels } from "../registry/node-record.js";
import type { SessionRegistry } from "../registry/session-registry.js";
import { validatePositiveMs } from "../validate.js";
import type { HostedSession } from "./hosted-session.js";

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
  /** Written into the node record (`registry.getNodes()` shows them), e.g. `{ region: "eu-west-1" }`. */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Push close (README, "Push close"): listen on this node's doorbell so that a close requested
   * on another node arrives in milliseconds; polling goes on unchanged beside it. Default true
   * when the store has notifications (`store.notifications`); false polls only.
   */
  readonly pushClose?: boolean;
  /**
   * Seats per call across the fleet: `add` takes one before it registers, and rejects with
   * ERR_LIMIT_REACHED when all are taken ("Seats" in the README). Default: no limit.
   */
  readonly maxSessionsPerCall?: number;
  /** Sessions (and reservations) this node holds at most; beyond, ERR_LIMIT_REACHED. Default: no limit. */
  readonly maxSessions?: number;
  /** The owner closes each session this long after its start, reason "max-duration". Default: never. */
  readonly maxSessionDurationMs?: number;
}

/** Per-session overrides of the host's options. */
export interface AddOptions {
  /** This add's seat limit for the call, instead of the host's `maxSessionsPerCall`. */
  readonly maxSessionsPerCall?: number;
  /** This session's lifetime, instead of the host's `maxSessionDurationMs`. */
  readonly maxSessionDurationMs?: number;
}

/** Options of `host.reserve`. */
export interface ReserveOptions {
  /** The seat limit for the call, instead of the host's `maxSessionsPerCall`. */
  readonly maxSessionsPerCall?: number;
}

/** `host.drain()`'s options; the same as `registry.requestDrain()`'s. */
export type DrainOptions = RequestDrainOptions;

export const DEFAULT_MAINTENANCE_INTERVAL_MS = 5_000;

/** `SessionHostOptions` validated, with their defaults filled in (`pushClose` as asked, before the store's say). */
export interface ResolvedHostOptions {
  readonly registry: SessionRegistry;
  readonly maintenanceIntervalMs: number;
  readonly operationTimeoutMs: number;
  readonly logger: SessionLogger;
  readonly labels: Readonly<Record<string, string>>;
  readonly pushClose: boolean;
  readonly maxSessionsPerCall: number | undefined;
  readonly maxSessions: number | undefined;
  readonly maxSessionDurationMs: number | undefined;
}

/**
 * Checks a host's options before any of its parts exists, so that bad input fails the constructor
 * with a typed error and nothing to undo.
 */
export function resolveHostOptions(options: SessionHostOptions): ResolvedHostOptions {
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
  const labels = options.labels === undefined ? {} : options.labels;
  validateLabels(labels);
  const largest = encodeNodeRecord(
    registry.nodeId,
    { startedAt: Date.now(), sessions: Number.MAX_SAFE_INTEGER, draining: false, labels },
    Date.now(),
    registry.ttlMs,
  );
  if (largest.byteLength > registry.store.capabilities.maxValueBytes) {
    throw invalidArgument(
      "labels",
      `make a node record of up to ${largest.byteLength} bytes; this store accepts at most ${registry.store.capabilities.maxValueBytes}`,
    );
  }
  const push = options.pushClose ?? true;
  if (typeof push !== "boolean") throw invalidArgument("pushClose", "must be a boolean");
  if (options.maxSessionsPerCall !== undefined)
    validateSeatLimit(options.maxSessionsPerCall, "maxSessionsPerCall");
  if (options.maxSessions !== undefined) validateSeatLimit(options.maxSessions, "maxSessions");
  if (options.maxSessionDurationMs !== undefined)
    validatePositiveMs(options.maxSessionDurationMs, "maxSessionDurationMs");
  return {
    registry,
    maintenanceIntervalMs: interval,
    operationTimeoutMs: timeout,
    logger: options.logger ?? consoleLogger,
    labels: Object.freeze({ ...labels }),
    pushClose: push,
    maxSessionsPerCall: options.maxSessionsPerCall,
    maxSessions: options.maxSessions,
    maxSessionDurationMs: options.maxSessionDurationMs,
  };
}

/** The options of `add`, `reserve` and a reserved add: an object when given. */
export function validateMethodOptions(options: unknown): void {
  if (options !== undefined && (options === null || typeof options !== "object"))
    throw invalidArgument("options", "must be an object");
}

/** What `add` is handed must be closable, and its metrics (if any) readable, before it is registered. */
export function validateHostedSession(session: HostedSession): void {
  if (session === null || typeof session !== "object" || typeof session.close !== "function") {
    throw invalidArgument("session", "must be an object with a close(reason) function");
  }
  if (session.metrics !== undefined && typeof session.metrics !== "function") {
    throw invalidArgument("session.metrics", "must be a function returning the metrics, or undefined");
  }
}

function isRegistry(value: unknown): value is SessionRegistry {
  if (value === null || typeof value !== "object") return false;
  const registry = value as Record<string, unknown>;
  const protocol = registry.hostProtocol as Record<string, unknown> | null | undefined;
  return (
    typeof registry.ttlMs === "number" &&
    typeof protocol === "object" &&
    protocol !== null &&
    typeof protocol.poll === "function" &&
    typeof protocol.publish === "function"
  );
}
