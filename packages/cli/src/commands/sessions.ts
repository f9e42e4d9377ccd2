import type { SessionInfo } from "@sessionkv/core";
import type { CommandContext } from "../context.js";
import { sessionsJson, sessionsTable } from "../format.js";

/** The sessions `sessions` and `watch` show: one call's, or every call's, optionally one node's. */
export async function readSessions(ctx: CommandContext): Promise<SessionInfo[]> {
  const { call, node } = ctx.invocation;
  const sessions = call === undefined ? await ctx.registry.getAll() : await ctx.registry.getForCall(call);
  return node === undefined ? sessions : sessions.filter((s) => s.nodeId === node);
}

export async function sessionsCommand(ctx: CommandContext): Promise<number> {
  const sessions = await readSessions(ctx);
  const now = Date.now();
  ctx.stdout.write(
    ctx.invocation.json
      ? `${JSON.stringify({ sessions: sessionsJson(sessions, now) }, null, 2)}\n`
      : `${sessionsTable(sessions, now)}\n`,
  );
  return 0;
}
