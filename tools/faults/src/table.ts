// The figures as one markdown table, a row per backend and fault.
import type { Figures } from "./run-fault.ts";
import { FAULT_TITLES, type Fault } from "./target.ts";

export interface Row {
  readonly target: string;
  readonly fault: Fault;
  /** Figures, or why the fault does not apply / what failed. */
  readonly figures: Figures | string;
}

const HEADER = [
  "backend",
  "fault",
  "cycles",
  "fault lasted (median)",
  "recovery median",
  "recovery max",
  "not recovered",
  "invisible > 1 interval",
  "resurrections",
  "hung ops",
  "unhandled rejections",
  "handles Δ",
  "heap Δ",
  "errors logged",
  "secrets found",
];

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function cells(row: Row): string[] {
  const f = row.figures;
  if (typeof f === "string")
    return [row.target, FAULT_TITLES[row.fault], f, ...HEADER.slice(3).map(() => "")];
  const heap = f.heapGrowthBytes / 1024 / 1024;
  return [
    row.target,
    FAULT_TITLES[row.fault],
    f.failure === undefined ? String(f.cycles) : `${f.cycles}, then ${f.failure}`,
    f.outageMs.length > 0 ? seconds(median(f.outageMs)) : "–",
    f.recoveryMs.length > 0 ? seconds(median(f.recoveryMs)) : "–",
    f.recoveryMs.length > 0 ? seconds(Math.max(...f.recoveryMs)) : "–",
    String(f.unrecovered),
    String(f.invisible),
    String(f.resurrections),
    String(f.hung),
    String(f.unhandledRejections),
    `${f.handleGrowth >= 0 ? "+" : ""}${f.handleGrowth}`,
    `${heap >= 0 ? "+" : ""}${heap.toFixed(1)} MiB`,
    String(f.logLines),
    f.secretsFound === undefined ? "– (no password)" : String(f.secretsFound),
  ];
}

export function markdownTable(rows: readonly Row[]): string {
  const line = (values: readonly string[]) => `| ${values.join(" | ")} |`;
  return [line(HEADER), line(HEADER.map(() => "---")), ...rows.map((row) => line(cells(row)))].join("\n");
}
