import { type RunOptions, runConformance, selectCases } from "../runner.js";
import type { CaseResult, ConformanceCase, ConformanceReport } from "../types.js";

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
    for (const c of run.cases) {
      runner.it(`${c.id}: ${c.title}`, { timeout }, async (context) => {
        const result = await run.result(c.id);
        if (result.status === "skipped") context.skip(result.error);
        if (result.status === "failed") throw failure(result);
        for (const reason of result.skippedCheckpoints ?? []) {
          const message = `checkpoint skipped: ${reason}`;
          if (context.annotate) await context.annotate(message, "notice");
          else context.diagnostic?.(message);
        }
      });
    }
  });
}

/**
 * Registered tests are one per case, but all cases run together through `runConformance`
 * (concurrently, like the CLI); each test awaits its own result. That keeps a suite dominated
 * by TTL waits as fast as its slowest case.
 */
function sharedRun(options: RunOptions): {
  cases: readonly ConformanceCase[];
  result(id: string): Promise<CaseResult>;
} {
  let report: Promise<ConformanceReport> | undefined;
  const cases = selectCases(options);
  return {
    cases,
    async result(id) {
      report ??= runConformance(options);
      const found = (await report).cases.find((c) => c.id === id);
      if (found === undefined) throw new Error(`case ${id} did not run`);
      return found;
    },
  };
}

function failure(result: CaseResult): Error {
  if (result.cause instanceof Error) return result.cause;
  return new Error(result.error ?? "failed");
}

/** Long enough for the whole suite: the per-case limit, times the number of waves. */
function suiteTimeoutMs(options: RunOptions, caseCount: number): number {
  const perCase = options.caseTimeoutMs ?? 60_000;
  const waves = Math.ceil(caseCount / (options.concurrency ?? 16));
  return perCase * Math.max(2, waves) + 10_000;
}
