import { type RunOptions, runConformance, selectCases } from "../runner.js";
import type { CaseResult, ConformanceCase, ConformanceReport } from "../types.js";

/**
 * Test-runner bindings register one test per case, but all cases run together through
 * `runConformance` (concurrently, like the CLI); each registered test awaits its own result.
 * That keeps a suite dominated by TTL waits as fast as its slowest case.
 */
export function sharedRun(options: RunOptions): {
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

export function failure(result: CaseResult): Error {
  if (result.cause instanceof Error) return result.cause;
  return new Error(result.error ?? "failed");
}

/** Long enough for the whole suite: the per-case limit, times the number of waves. */
export function suiteTimeoutMs(options: RunOptions, caseCount: number): number {
  const perCase = options.caseTimeoutMs ?? 60_000;
  const waves = Math.ceil(caseCount / (options.concurrency ?? 16));
  return perCase * Math.max(2, waves) + 10_000;
}
