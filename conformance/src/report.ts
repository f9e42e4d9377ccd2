import { MANIFEST_CHECK } from "./manifest.js";
import type { CaseResult, ConformanceReport } from "./types.js";
import { formatStep } from "./wall-clock.js";

/** One human-readable line per case, as the CLI prints it. */
export function formatResult(result: CaseResult): string {
  const mark = result.status === "passed" ? "✓" : result.status === "failed" ? "✗" : "-";
  const stepped =
    result.status === "passed" && result.wallClockStepMs !== undefined
      ? `\n    the wall clock stepped ${formatStep(result.wallClockStepMs)} during the case`
      : "";
  const tail =
    result.status === "passed"
      ? (result.skippedCheckpoints ?? []).map((reason) => `\n    checkpoint skipped: ${reason}`).join("") +
        stepped
      : result.status === "skipped"
        ? ` (skipped: ${result.error})`
        : `\n    ${result.error}`;
  return `${mark} ${result.id} — ${result.title} [${result.durationMs} ms]${tail}`;
}

/** The closing line: `N passed, N failed` and `, N skipped` where any. */
export function formatSummary(report: ConformanceReport): string {
  return `${report.passed} passed, ${report.failed} failed${report.skipped > 0 ? `, ${report.skipped} skipped` : ""}`;
}

/**
 * The evidence line on wall-clock steps: the run's largest distance between the wall clock and
 * the monotonic clock, and the cases that saw a step.
 */
export function formatWallClock(report: ConformanceReport): string {
  const stepped = report.cases.filter((c) => c.wallClockStepMs !== undefined);
  const cases = stepped.length === 0 ? "no case saw a step" : `${stepped.length} case(s) saw a step`;
  return `wall clock against the monotonic clock: drift ${formatStep(report.wallClockDriftMs ?? 0)} over the run; ${cases}`;
}

/**
 * The `--json` shape: `{ passed, failed, skipped, durationMs, wallClockDriftMs, cases: [{ id,
 * title, status, error?, skippedCheckpoints?, wallClockStepMs?, durationMs }] }`.
 */
export function toJson(report: ConformanceReport): object {
  return {
    passed: report.passed,
    failed: report.failed,
    skipped: report.skipped,
    durationMs: report.durationMs,
    wallClockDriftMs: report.wallClockDriftMs ?? 0,
    cases: report.cases.map(
      ({ id, title, status, error, skippedCheckpoints, wallClockStepMs, durationMs }) => ({
        id,
        title,
        status,
        ...(error === undefined ? {} : { error }),
        ...(skippedCheckpoints === undefined ? {} : { skippedCheckpoints }),
        ...(wallClockStepMs === undefined ? {} : { wallClockStepMs }),
        durationMs,
      }),
    ),
  };
}

/** The report of a run that could not start (bad manifest, throwing factory): one failure, no case run. */
export function setupFailureReport(error: unknown): ConformanceReport {
  const message = error instanceof Error ? error.message : String(error);
  return {
    passed: 0,
    failed: 1,
    skipped: 0,
    durationMs: 0,
    cases: [{ ...MANIFEST_CHECK, status: "failed", error: message, durationMs: 0, cause: error }],
  };
}
