import { setTimeout as sleep } from "node:timers/promises";
import type { CommandContext } from "../context.js";
import { CliError, CliErrorCode } from "../errors.js";

/** How often `--wait` reads the node record: well under any node's maintenance interval. */
const WAIT_POLL_MS = 200;

/**
 * `drain NODE [--grace MS] [--wait]`: the registry's `requestDrain`, which writes a drain flag
 * naming the run of the node read; the node drains on its next cycle (README, "Drain"). `--wait`
 * then reads the node record until it shows `draining: true`.
 */
export async function drainCommand(ctx: CommandContext): Promise<number> {
  const [nodeId = ""] = ctx.invocation.positionals;
  const { registry, invocation } = ctx;
  const node = await registry.getNode(nodeId);
  if (node === null) throw notFound(nodeId);
  const grace =
    invocation.graceMs === undefined
      ? "its sessions run until they end"
      : `its sessions are closed ${invocation.graceMs} ms after it drains`;
  await ctx.confirm(`Drain node ${nodeId} (${node.sessions} session(s); ${grace})?`);
  const options = invocation.graceMs === undefined ? {} : { graceMs: invocation.graceMs };
  if (!(await registry.requestDrain(nodeId, options))) throw notFound(nodeId);
  const report = { nodeId, requested: true, graceMs: invocation.graceMs ?? null };
  if (!invocation.wait) {
    ctx.stdout.write(
      invocation.json
        ? `${JSON.stringify({ ...report, draining: null })}\n`
        : `drain requested: node ${nodeId} (it drains on its next cycle)\n`,
    );
    return 0;
  }
  const started = performance.now();
  for (;;) {
    const now = await registry.getNode(nodeId);
    const waitedMs = Math.round(performance.now() - started);
    if (now === null || now.draining) {
      const state = now === null ? "gone" : "draining";
      ctx.stdout.write(
        invocation.json
          ? `${JSON.stringify({ ...report, draining: now !== null, waitedMs })}\n`
          : `${state}: node ${nodeId}, after ${waitedMs} ms\n`,
      );
      return 0;
    }
    if (waitedMs >= invocation.timeoutMs)
      throw new CliError(
        CliErrorCode.TIMEOUT,
        `node ${nodeId} does not show draining after ${waitedMs} ms (down or slow?); the request stays until its TTL runs out`,
      );
    await sleep(Math.min(WAIT_POLL_MS, invocation.timeoutMs - waitedMs));
  }
}

function notFound(nodeId: string): CliError {
  return new CliError(
    CliErrorCode.NOT_FOUND,
    `no node ${nodeId} in the store (not running, or not writing node records)`,
  );
}
