import { setTimeout as sleep } from "node:timers/promises";
import type { CommandContext } from "../context.js";
import { CliError, CliErrorCode } from "../errors.js";

/** How often `--wait` reads the record: well under any owner's maintenance interval. */
const WAIT_POLL_MS = 200;

/**
 * `close CALL SESSION [--wait]`: the registry's `requestClose`, which writes a close flag naming
 * the registration read; the owner closes the session on its next cycle. `--wait` then reads the
 * record until that registration is gone (closed, or expired with a dead owner).
 */
export async function closeCommand(ctx: CommandContext): Promise<number> {
  const [callId = "", sessionId = ""] = ctx.invocation.positionals;
  const { registry, invocation } = ctx;
  const target = await registry.get(callId, sessionId);
  if (target === null) throw notFound(callId, sessionId);
  await ctx.confirm(`Close session ${sessionId} of call ${callId}, hosted on node ${target.nodeId}?`);
  if (!(await registry.requestClose(callId, sessionId))) throw notFound(callId, sessionId);
  const report = { callId, sessionId, nodeId: target.nodeId, requested: true };
  if (!invocation.wait) {
    ctx.stdout.write(
      invocation.json
        ? `${JSON.stringify({ ...report, closed: null })}\n`
        : `close requested: ${callId}/${sessionId} on node ${target.nodeId} (its owner closes it on its next cycle)\n`,
    );
    return 0;
  }
  const started = performance.now();
  for (;;) {
    const now = await registry.get(callId, sessionId);
    const waitedMs = Math.round(performance.now() - started);
    if (now === null || now.startedAt !== target.startedAt || now.nodeId !== target.nodeId) {
      ctx.stdout.write(
        invocation.json
          ? `${JSON.stringify({ ...report, closed: true, waitedMs })}\n`
          : `closed: ${callId}/${sessionId} on node ${target.nodeId}, gone after ${waitedMs} ms\n`,
      );
      return 0;
    }
    if (waitedMs >= invocation.timeoutMs)
      throw new CliError(
        CliErrorCode.TIMEOUT,
        `${callId}/${sessionId} is still there after ${waitedMs} ms: its owner ${target.nodeId} has not closed it (down or slow?); the request stays until the record expires`,
      );
    await sleep(Math.min(WAIT_POLL_MS, invocation.timeoutMs - waitedMs));
  }
}

function notFound(callId: string, sessionId: string): CliError {
  return new CliError(CliErrorCode.NOT_FOUND, `no session ${sessionId} of call ${callId} in the store`);
}
