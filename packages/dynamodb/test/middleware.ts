import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";

/** Counts the commands a client sends (one per `send`, before the SDK's own retries). */
export function countCommands(client: DynamoDBClient): Map<string, number> {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String((context as { commandName?: string }).commandName);
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: "initialize", name: "sessionkvTestCountCommands" },
  );
  return counts;
}

type Row = Record<string, unknown>;
interface BatchWriteInput {
  RequestItems: Record<string, Row[]>;
}
interface BatchGetInput {
  RequestItems: Record<string, { Keys: Row[] } & Row>;
}

/**
 * Makes the real client behave like DynamoDB under throttling: on the first `times` calls of each
 * batch command,
 * every other request is withheld from the server and handed back as UnprocessedItems /
 * UnprocessedKeys, exactly as DynamoDB reports work it did not do. The server never sees the
 * withheld requests, so data ends up complete only if the store resends them.
 */
export function injectUnprocessed(client: DynamoDBClient, times: number): { injected: number } {
  const stats = { injected: 0 };
  const calls = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = (context as { commandName?: string }).commandName;
      if (command !== "BatchWriteItemCommand" && command !== "BatchGetItemCommand") return next(args);
      const seen = calls.get(command) ?? 0;
      if (seen >= times) return next(args);
      calls.set(command, seen + 1);
      if (command === "BatchWriteItemCommand") {
        const input = args.input as BatchWriteInput;
        const [table, requests] = Object.entries(input.RequestItems)[0]!;
        if (requests.length < 2) return next(args);
        const sent = requests.filter((_, i) => i % 2 === 0);
        const held = requests.filter((_, i) => i % 2 === 1);
        stats.injected += held.length;
        const result = await next({ ...args, input: { ...input, RequestItems: { [table]: sent } } });
        const output = result.output as { UnprocessedItems?: Record<string, Row[]> };
        output.UnprocessedItems = { [table]: [...(output.UnprocessedItems?.[table] ?? []), ...held] };
        return result;
      }
      const input = args.input as BatchGetInput;
      const [table, request] = Object.entries(input.RequestItems)[0]!;
      if (request.Keys.length < 2) return next(args);
      const sent = request.Keys.filter((_, i) => i % 2 === 0);
      const held = request.Keys.filter((_, i) => i % 2 === 1);
      stats.injected += held.length;
      const result = await next({
        ...args,
        input: { ...input, RequestItems: { [table]: { ...request, Keys: sent } } },
      });
      const output = result.output as { UnprocessedKeys?: Record<string, { Keys: Row[] } & Row> };
      const already = output.UnprocessedKeys?.[table]?.Keys ?? [];
      output.UnprocessedKeys = { [table]: { ...request, Keys: [...already, ...held] } };
      return result;
    },
    { step: "initialize", name: "sessionkvTestInjectUnprocessed" },
  );
  return stats;
}
