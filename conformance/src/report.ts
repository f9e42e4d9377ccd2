import { MANIFEST_CHECK } from "./manifest.js";
import type { CaseResult, ConformanceReport } from "./types.js";

/** One human-readable line per case, as the CLI prints it. */
export function formatResult(result: CaseResult): string {
  const mark = result.status === "passed" ? "✓" : result.status === "failed" ? "✗" : "-";
  const tail =
    result.status === "passed"
      ? (result.skippedCheckpoints ?? []).map((reason) => `\n    checkpoint skipped: ${reason}`).join("")
      : result.status === "skipped"
        ? ` (skipped: ${result.error})`
        : `\n    ${result.error}`;
  return `${mark} ${result.id} — ${result.title} [${result.durationMs} ms]${tail}`;
}

/** The closing line: `N passed, N failed` and `, N skipped` where any. */
export function formatSummary(report: ConformanceReport): string {
  return `${report.passed} passed, ${report.failed} failed${report.skipped > 0 ? `, ${report.skipped} skipped` : ""}`;
}

/** The `--json` shape: `{ passed, failed, skipped, cases: [{ id, title, status, error?, skippedCheckpoints? }] }`. */
export function toJson(report: ConformanceReport): object {
  return {
    passed: report.passed,
    failed: report.failed,
    skipped: report.skipped,
    durationMs: report.durationMs,
    cases: report.cases.map(({ id, title, status, error, skippedCheckpoints, durationMs }) => ({
      id,
      title,
      status,
      ...(error === undefined ? {} : { error }),
      ...(skippedCheckpoints === undefined ? {} : { skippedCheckpoints }),
      durationMs,
    })),
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
