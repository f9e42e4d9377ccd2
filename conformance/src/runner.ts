import { randomBytes } from "node:crypto";
import type { SessionKVStore } from "@sessionkv/core";
import { inChunks } from "./batches.js";
import { allCases } from "./cases/index.js";
import { Checkpoints } from "./checkpoints.js";
import { call } from "./expect.js";
import { checkCapabilities } from "./manifest.js";
import { timingFor } from "./timing.js";
import type { CaseContext, CaseResult, ConformanceCase, ConformanceReport, StoreFactory } from "./types.js";
import { WALL_CLOCK_STEP_MS, WallClockWatch, formatStep } from "./wall-clock.js";
import { failureMessage, watched } from "./watched.js";

export interface RunOptions {
  readonly createStore: StoreFactory;
  /** Keeps the cases whose id or title contains this text (case-insensitive). */
  readonly filter?: string;
  /** Cases running at once. Default 16: the suite is dominated by TTL waits, not by load. */
  readonly concurrency?: number;
  /** Per-case limit. Default 60 s. */
  readonly caseTimeoutMs?: number;
  /** Prefix of every namespace handed to the factory. Default `skv-<random>`. */
  readonly namespacePrefix?: string;
  /** Replaces the built-in case list (the self-test uses it). */
  readonly cases?: readonly ConformanceCase[];
  /** Called as each case settles, for live output. */
  readonly onResult?: (result: CaseResult) => void;
  /**
   * Cuts the subscriber connection(s) of `store`, a store the factory made, for the notification
   * cases that check a subscriber is reset and hears later messages (core README,
   * "Notifications"). The connection must really drop (a server-side kill, a proxy in between);
   * without this option those cases are skipped.
   */
  readonly disconnectSubscriber?: (store: SessionKVStore) => Promise<void>;
}

export function selectCases(options: Pick<RunOptions, "filter" | "cases">): readonly ConformanceCase[] {
  const cases = options.cases ?? allCases;
  const filter = options.filter?.toLowerCase();
  if (!filter) return cases;
  return cases.filter((c) => c.id.toLowerCase().includes(filter) || c.title.toLowerCase().includes(filter));
}

/**
 * Runs the suite against the factory's stores and returns a report; never throws for a failing
 * case. Rejects, before any case runs, with one ERR_INVALID_ARGUMENT naming every bad field when
 * the factory's store declares no valid `capabilities` manifest.
 */
export async function runConformance(options: RunOptions): Promise<ConformanceReport> {
  if (typeof options?.createStore !== "function") {
    throw new TypeError("runConformance: createStore must be a function ({ namespace }) => store");
  }
  const cases = selectCases(options);
  const prefix = options.namespacePrefix ?? `skv-${randomBytes(4).toString("hex")}`;
  if (cases.length > 0) await checkManifest(options.createStore, `${prefix}-manifest`);
  const started = performance.now();
  const run = new WallClockWatch();
  const results: CaseResult[] = new Array(cases.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const index = next++;
      run.stepMs();
      const result = await runCase(cases[index]!, `${prefix}-${index}`, options);
      run.stepMs();
      results[index] = result;
      options.onResult?.(result);
    }
  };
  const width = Math.max(1, Math.min(options.concurrency ?? 16, cases.length));
  await Promise.all(Array.from({ length: width }, worker));
  return {
    passed: results.filter((r) => r.status === "passed").length,
    failed: results.filter((r) => r.status === "failed").length,
    skipped: results.filter((r) => r.status === "skipped").length,
    durationMs: Math.round(performance.now() - started),
    cases: results,
    wallClockDriftMs: Math.round(run.largestStepMs()),
  };
}

/** Reads the manifest of a store the factory makes (not started, as the factory returns it). */
async function checkManifest(createStore: StoreFactory, namespace: string): Promise<void> {
  const store = await createStore({ namespace });
  try {
    if (store === null || typeof store !== "object") {
      throw new TypeError(`createStore must return a store object, got ${String(store)}`);
    }
    checkCapabilities(store.capabilities);
  } finally {
    await closeWithin(store);
  }
}

async function runCase(
  testCase: ConformanceCase,
  namespace: string,
  options: RunOptions,
): Promise<CaseResult> {
  const begin = performance.now();
  const wallClock = new WallClockWatch();
  const opened: SessionKVStore[] = [];
  const notes: string[] = [];
  const base = { id: testCase.id, title: testCase.title };
  const finish = (
    status: CaseResult["status"],
    error?: string,
    cause?: unknown,
    skippedCheckpoints?: readonly string[],
  ): CaseResult => {
    const step = wallClock.stepMs();
    const stepped = Math.abs(step) >= WALL_CLOCK_STEP_MS;
    // The suite's timing is monotonic and a store's deadlines may be wall-clock times: across a
    // step neither a pass nor a failure says anything about the store's timing.
    const excused = stepped && status === "failed";
    const reason = excused
      ? `the wall clock stepped ${formatStep(step)} against the monotonic clock during the case; it failed with: ${error}`
      : error;
    return {
      ...base,
      status: excused ? "skipped" : status,
      ...(reason === undefined ? {} : { error: reason }),
      ...(skippedCheckpoints?.length ? { skippedCheckpoints } : {}),
      ...(cause === undefined || excused ? {} : { cause }),
      ...(stepped ? { wallClockStepMs: Math.round(step) } : {}),
      durationMs: Math.round(performance.now() - begin),
    };
  };
  let extra = 0;
  /** The factory's store behind each store a case was handed, for `disconnectSubscriber`. */
  const made = new Map<SessionKVStore, SessionKVStore>();
  const newStore: CaseContext["newStore"] = async (opts = {}) => {
    const store = await options.createStore({ namespace: opts.namespace ?? `${namespace}-${++extra}` });
    opened.push(store);
    const seen = watched(store);
    made.set(seen, store);
    if (opts.start !== false) await seen.start();
    return seen;
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    const store = await newStore({ namespace });
    const skip =
      testCase.requires?.(store.capabilities) ??
      testCase.requiresStore?.(store, { canDisconnect: options.disconnectSubscriber !== undefined }) ??
      null;
    if (skip !== null) return finish("skipped", skip);
    const timing = timingFor(store.capabilities);
    const checkpoints = new Checkpoints(timing);
    const context: CaseContext = {
      store,
      capabilities: store.capabilities,
      namespace,
      timing,
      checkpoints,
      newStore,
      note: (message) => notes.push(message),
      disconnectSubscriber:
        options.disconnectSubscriber === undefined
          ? undefined
          : (handed) => options.disconnectSubscriber!(made.get(handed) ?? handed),
    };
    const limit = options.caseTimeoutMs ?? 60_000;
    await Promise.race([
      testCase.run(context),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`case did not finish within ${limit} ms`)), limit);
      }),
    ]);
    const { counted, skipped } = checkpoints.tally();
    // A case whose every timed checkpoint was unprovable proved nothing: neither a pass nor a failure.
    if (counted === 0 && skipped.length > 0) {
      const more = skipped.length > 1 ? ` (and ${skipped.length - 1} more)` : "";
      return finish("skipped", `machine stalled, no timed checkpoint provable: ${skipped[0]}${more}`);
    }
    return finish("passed", undefined, undefined, skipped);
  } catch (error) {
    const message = failureMessage(error);
    return finish("failed", notes.length > 0 ? `${message} [notes: ${notes.join("; ")}]` : message, error);
  } finally {
    clearTimeout(timer);
    await Promise.all(opened.map((store) => cleanUp(store)));
  }
}

/** Best effort: leave no keys behind on a shared server, then close. */
async function cleanUp(store: SessionKVStore): Promise<void> {
  try {
    // In set-up-sized calls: a slow server must not leave a large case's keys behind.
    for (const piece of inChunks(await store.keys(""))) await store.delete(piece);
  } catch {
    // The store may be closed or deliberately broken; the case result already says so.
  }
  await closeWithin(store);
}

/** Gives `close()` a bounded chance: a store whose close never settles must not hold the run. */
async function closeWithin(store: SessionKVStore | null | undefined, ms = CLOSE_LIMIT_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([call(() => store!.close()).catch(() => undefined), limit]);
  } finally {
    clearTimeout(timer);
  }
}

const CLOSE_LIMIT_MS = 5_000;
