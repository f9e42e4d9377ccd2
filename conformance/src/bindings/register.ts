import { MANIFEST_CHECK } from "../manifest.js";
import { formatWallClock } from "../report.js";
import { type RunOptions, runConformance, selectCases } from "../runner.js";
import type { CaseResult, ConformanceCase, ConformanceReport } from "../types.js";
import { formatStep } from "../wall-clock.js";

/** What a registered test's body gets from the runner: Vitest's and `node:test`'s contexts both fit. */
export interface TestContextLike {
  skip(reason?: string): void;
  /** Vitest ≥ 3.2: a note shown with the test (a passing case's stall-skipped checkpoints). */
  annotate?(message: string, type?: string): unknown;
  /** `node:test`: the same note as a diagnostic line. */
  diagnostic?(message: string): void;
}

/**
 * The runner's `describe` and `it` (Vitest's, `node:test`'s, or any with the same shape), as
 * Keyv's `storageTestSuite(test, store)` and abstract-level's `.all(test, common)` take theirs.
 */
export interface TestRunnerApi {
  describe(name: string, body: () => void): unknown;
  it(name: string, options: { timeout: number }, body: (context: TestContextLike) => Promise<void>): unknown;
}

/**
 * Registers the conformance suite with a test runner: one test per case, skipped cases reported
 * as skipped with the store capability that excludes them.
 *
 *   import { describe, it } from "node:test";
 *   registerConformance({ describe, it }, "my store", { createStore: ({ namespace }) => makeStore(namespace) });
 */
export function registerConformance(runner: TestRunnerApi, name: string, options: RunOptions): void {
  const run = sharedRun(options);
  const timeout = suiteTimeoutMs(options, run.cases.length);
  runner.describe(name, () => {
    // A bad manifest (or a factory that throws) fails this one test; the cases then report
    // themselves skipped instead of repeating the same error once each.
    runner.it(MANIFEST_TEST, { timeout }, async () => {
      const report = await run.report();
      // One line per suite in every log (CI, `pnpm stress`): the evidence for or against wall
      // clock steps as the cause of a timing failure.
      console.log(`${name}: ${formatWallClock(report)}`);
    });
    for (const c of run.cases) {
      runner.it(`${c.id}: ${c.title}`, { timeout }, async (context) => {
        const result = await run.result(c.id);
        if (result === undefined) return context.skip(`not run: ${MANIFEST_TEST} failed`);
        if (result.status === "skipped") context.skip(result.error);
        if (result.status === "failed") throw failure(result);
        const notes = (result.skippedCheckpoints ?? []).map((reason) => `checkpoint skipped: ${reason}`);
        if (result.wallClockStepMs !== undefined)
          notes.push(`the wall clock stepped ${formatStep(result.wallClockStepMs)} during the case`);
        for (const message of notes) {
          if (context.annotate) await context.annotate(message, "notice");
          else context.diagnostic?.(message);
        }
      });
    }
  });
}

const MANIFEST_TEST = `${MANIFEST_CHECK.id}: ${MANIFEST_CHECK.title}`;

/**
 * Registered tests are one per case, but all cases run together through `runConformance`
 * (concurrently, like the CLI); each test awaits its own result. That keeps a suite dominated
 * by TTL waits as fast as its slowest case.
 */
function sharedRun(options: RunOptions): {
  cases: readonly ConformanceCase[];
  report(): Promise<ConformanceReport>;
  /** The case's result; undefined when the run could not start (the manifest test says why). */
  result(id: string): Promise<CaseResult | undefined>;
} {
  let started: Promise<ConformanceReport> | undefined;
  const report = () => {
    started ??= runConformance(options);
    return started;
  };
  const cases = selectCases(options);
  return {
    cases,
    report,
    async result(id) {
      const outcome = await report().catch(() => undefined);
      if (outcome === undefined) return undefined;
      const found = outcome.cases.find((c) => c.id === id);
      if (found === undefined) throw new Error(`case ${id} did not run`);
      return found;
    },
  };
}

/** The original error where the report says no more than it does (its stack points into the store). */
function failure(result: CaseResult): Error {
  if (result.cause instanceof Error && result.cause.message === result.error) return result.cause;
  return new Error(result.error ?? "failed", { cause: result.cause });
}

/** Long enough for the whole suite: the per-case limit, times the number of waves. */
function suiteTimeoutMs(options: RunOptions, caseCount: number): number {
  const perCase = options.caseTimeoutMs ?? 60_000;
  const waves = Math.ceil(caseCount / (options.concurrency ?? 16));
  return perCase * Math.max(2, waves) + 10_000;
}
