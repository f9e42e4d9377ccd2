import type { NodeInfo, SessionInfo, SessionMetrics } from "@sessionkv/core";

/** A duration as an operator reads it at a glance: the two largest units. */
function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${pad(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${pad(m % 60)}m`;
  return `${Math.floor(h / 24)}d${h % 24}h`;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

function metricsText(metrics: SessionMetrics): string {
  const names = Object.keys(metrics).sort();
  if (names.length === 0) return "-";
  return names.map((name) => `${name}=${metrics[name] ?? "-"}`).join(" ");
}

/** Left-aligned columns two spaces apart; the last column is not padded. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

export function sessionsTable(sessions: readonly SessionInfo[], now: number): string {
  if (sessions.length === 0) return "no sessions";
  return table(
    ["CALL", "SESSION", "NODE", "AGE", "METRICS UPDATED", "METRICS"],
    sessions.map((s) => [
      s.callId,
      s.sessionId,
      s.nodeId,
      age(now - s.startedAt),
      `${age(now - s.metricsUpdatedAt)} ago`,
      metricsText(s.metrics),
    ]),
  );
}

export function nodesTable(nodes: readonly NodeInfo[], now: number): string {
  if (nodes.length === 0) return "no live nodes";
  return table(
    ["NODE", "SESSIONS", "DRAINING", "UP", "UPDATED", "VERSION", "LABELS"],
    nodes.map((n) => [
      n.nodeId,
      String(n.sessions),
      n.draining ? "yes" : "no",
      age(now - n.startedAt),
      `${age(now - n.updatedAt)} ago`,
      n.version,
      labelsText(n.labels),
    ]),
  );
}

function labelsText(labels: Readonly<Record<string, string>>): string {
  const text = Object.entries(labels)
    .map(([name, value]) => `${name}=${value}`)
    .join(",");
  return text === "" ? "-" : text;
}

/** Sessions for `--json`: the registry's `SessionInfo` with the age the table shows. */
export function sessionsJson(sessions: readonly SessionInfo[], now: number) {
  return sessions.map((s) => ({ ...s, ageMs: Math.max(0, now - s.startedAt) }));
}

export function nodesJson(nodes: readonly NodeInfo[], now: number) {
  return nodes.map((n) => ({
    ...n,
    upMs: Math.max(0, now - n.startedAt),
    updatedAgeMs: Math.max(0, now - n.updatedAt),
  }));
}
