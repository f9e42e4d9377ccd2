import type { CaseResult, ConformanceReport } from "./types.js";

/**
 * The report as JUnit XML, the format CI dashboards read: one `<testcase>` per case (classname:
 * the id's family, name: `id: title`), `<skipped message>` with the reason, `<failure message>`
 * with the error.
 */
export function toJUnit(report: ConformanceReport, suiteName = "sessionkv-conformance"): string {
  const counts = `tests="${report.cases.length}" failures="${report.failed}" errors="0" skipped="${report.skipped}" time="${seconds(report.durationMs)}"`;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="${attr(suiteName)}" ${counts}>`,
    `  <testsuite name="${attr(suiteName)}" ${counts}>`,
    ...report.cases.map(testCase),
    "  </testsuite>",
    "</testsuites>",
    "",
  ].join("\n");
}

function testCase(result: CaseResult): string {
  const family = result.id.split(".")[0] ?? result.id;
  const open = `    <testcase classname="${attr(family)}" name="${attr(`${result.id}: ${result.title}`)}" time="${seconds(result.durationMs)}"`;
  const message = result.error ?? "";
  if (result.status === "passed") return `${open}/>`;
  if (result.status === "skipped")
    return `${open}>\n      <skipped message="${attr(message)}"/>\n    </testcase>`;
  const firstLine = message.split("\n", 1)[0] ?? "";
  return `${open}>\n      <failure message="${attr(firstLine)}">${body(message)}</failure>\n    </testcase>`;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** XML 1.0 cannot carry most control characters, even as references: they are spelled out. */
function clean(text: string): string {
  return text.replace(
    /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function body(text: string): string {
  return clean(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function attr(text: string): string {
  return body(text)
    .replace(/"/g, "&quot;")
    .replace(/\n/g, "&#10;")
    .replace(/\r/g, "&#13;")
    .replace(/\t/g, "&#9;");
}
