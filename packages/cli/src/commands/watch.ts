import type { CommandContext } from "../context.js";
import { errorLine } from "../errors.js";
import { nodesJson, nodesTable, sessionsJson, sessionsTable } from "../format.js";
import { readSessions } from "./sessions.js";

// Cursor home, clear to the end of the screen: the next frame replaces the last one in place.
const REDRAW = "\x1b[H\x1b[J";
const HIDE_CURSOR = "\x1b[?25l";
const SHOW_CURSOR = "\x1b[?25h";

/**
 * `watch [--call C]`: a snapshot every `--interval`. On a terminal it is one table redrawn in
 * place; anywhere else (a pipe, a log) each snapshot is printed after the last, so the output
 * stays a readable record. A failed snapshot (a store outage) is shown and the watch goes on:
 * outages are when an operator watches. It ends on SIGINT/SIGTERM or after `--count` snapshots.
 */
export async function watchCommand(ctx: CommandContext, secrets: readonly string[]): Promise<number> {
  const { invocation, stdout } = ctx;
  const tty = stdout.isTTY === true && !invocation.json;
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  if (tty) stdout.write(HIDE_CURSOR);
  try {
    for (let n = 1; !stop.signal.aborted; n++) {
      stdout.write(await frame(ctx, tty, secrets));
      if (invocation.count !== undefined && n >= invocation.count) break;
      await pause(invocation.intervalMs, stop.signal);
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    if (tty) stdout.write(SHOW_CURSOR);
  }
  return 0;
}

async function frame(ctx: CommandContext, tty: boolean, secrets: readonly string[]): Promise<string> {
  const { invocation } = ctx;
  const at = new Date();
  const scope = invocation.call === undefined ? "" : ` call ${invocation.call}`;
  try {
    const sessions = await readSessions(ctx);
    const nodes = await ctx.registry.getNodes();
    const now = at.getTime();
    if (invocation.json)
      return `${JSON.stringify({ at: now, sessions: sessionsJson(sessions, now), nodes: nodesJson(nodes, now) })}\n`;
    const title = `sessionkv watch ${ctx.storeLabel}${scope}  ${at.toISOString()}  ${sessions.length} session(s) on ${nodes.length} node(s)`;
    const body = `${title}\n\n${nodesTable(nodes, now)}\n\n${sessionsTable(sessions, now)}\n`;
    return tty ? `${REDRAW}${body}\n(every ${invocation.intervalMs} ms, Ctrl-C to stop)\n` : `${body}\n`;
  } catch (error) {
    const line = `${errorLine(error, secrets)} (at ${at.toISOString()}; retrying every ${invocation.intervalMs} ms)`;
    if (tty) return `${REDRAW}sessionkv watch ${ctx.storeLabel}${scope}\n\n${line}\n`;
    ctx.stderr.write(`${line}\n`);
    return "";
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
