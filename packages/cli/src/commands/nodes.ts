import type { CommandContext } from "../context.js";
import { nodesJson, nodesTable } from "../format.js";
import { listNodes } from "../node-source.js";

export async function nodesCommand(ctx: CommandContext): Promise<number> {
  const nodes = await listNodes(ctx.registry, await ctx.registry.getAll());
  const now = Date.now();
  ctx.stdout.write(
    ctx.invocation.json
      ? `${JSON.stringify({ source: "session-records", nodes: nodesJson(nodes, now) }, null, 2)}\n`
      : `${nodesTable(nodes, now)}\n`,
  );
  return 0;
}
