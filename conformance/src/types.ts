import type { SessionKVStore, StoreCapabilities } from "@sessionkv/core";
import type { Checkpoints } from "./checkpoints.js";
import type { Timing } from "./timing.js";

export interface StoreFactoryContext {
  /** Unique per store requested by the suite unless a case asks for a given one. Use it as (part of) the key prefix. */
  readonly namespace: string;
}

/** What a store module default-exports for the CLI, and what `runConformance` takes. */
export type StoreFactory = (context: StoreFactoryContext) => SessionKVStore | Promise<SessionKVStore>;

export interface CaseContext {
  /** A started store in this case's own namespace; closed by the runner after the case. */
  readonly store: SessionKVStore;
  readonly capabilities: StoreCapabilities;
  readonly namespace: string;
  readonly timing: Timing;
  /** Timed checkpoints: verdicts the timestamps around each operation prove, else skipped with a reason. */
  readonly checkpoints: Checkpoints;
  /** Another store from the factory (closed by the runner). Fresh namespace unless given; started unless `start: false`. */
  newStore(options?: { namespace?: string; start?: boolean }): Promise<SessionKVStore>;
  /** Free-form progress notes, shown with a failure. */
  note(message: string): void;
  /**
   * Cuts the subscriber connection of a store from this case (`RunOptions.disconnectSubscriber`),
   * or undefined when the runner was given no way to.
   */
  readonly disconnectSubscriber: ((store: SessionKVStore) => Promise<void>) | undefined;
}

export interface ConformanceCase {
  /** Stable, dotted identifier, e.g. `ttl.never-early`; `--filter` matches it and the title. */
  readonly id: string;
  readonly title: string;
  /** Returns why the case does not apply to these capabilities, or null when it does. */
  readonly requires?: (capabilities: StoreCapabilities) => string | null;
  /** The same from the case's started store, for optional parts of the contract (`store.notifications`). */
  readonly requiresStore?: (
    store: SessionKVStore,
    runner: { readonly canDisconnect: boolean },
  ) => string | null;
  run(context: CaseContext): Promise<void>;
}

export type CaseStatus = "passed" | "failed" | "skipped";

export interface CaseResult {
  readonly id: string;
  readonly title: string;
  readonly status: CaseStatus;
  /** Failure message, or the reason a case was skipped. */
  readonly error?: string;
  /** Timed checkpoints of a passing case that a stalled machine left unprovable, with the reasons. */
  readonly skippedCheckpoints?: readonly string[];
  /**
   * How far this process's wall clock stepped against its monotonic clock during the case, when
   * it did (at least `WALL_CLOCK_STEP_MS`). A case that failed across a step is skipped instead.
   */
  readonly wallClockStepMs?: number;
  readonly durationMs: number;
  /** The thrown value, for runners that want the original stack (not serialised). */
  readonly cause?: unknown;
}

export interface ConformanceReport {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly durationMs: number;
  readonly cases: readonly CaseResult[];
  /**
   * The largest distance between this process's wall clock and its monotonic clock, measured
   * against where it stood when the run began, at any case's start or end: the evidence of wall
   * clock steps during the run (0 when the wall clock only ran).
   */
  readonly wallClockDriftMs?: number;
}
