import type { CommandContext } from "../context.js";
import { nodesJson, nodesTable } from "../format.js";

export async function nodesCommand(ctx: CommandContext): Promise<number> {
  const nodes = await ctx.registry.getNodes();
  const now = Date.now();
  ctx.stdout.write(
    ctx.invocation.json
      ? `${JSON.stringify({ nodes: nodesJson(nodes, now) }, null, 2)}\n`
      : `${nodesTable(nodes, now)}\n`,
  );
  return 0;
}
