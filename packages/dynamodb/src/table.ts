import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type TableDescription,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { ErrorCode, SessionKVError } from "@sessionkv/core";
import type { Budget } from "./budget.js";
import { errorName } from "./errors.js";
import { ATTR } from "./schema.js";

export interface TableContext {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly budget: Budget;
}

function misconfigured(message: string, cause?: unknown): SessionKVError {
  return new SessionKVError(
    ErrorCode.STORE_MISCONFIGURED,
    message,
    cause === undefined ? undefined : { cause },
  );
}

async function describe(ctx: TableContext): Promise<TableDescription | null> {
  try {
    const out = await ctx.client.send(new DescribeTableCommand({ TableName: ctx.tableName }), {
      abortSignal: ctx.budget.signal,
    });
    return out.Table ?? null;
  } catch (error) {
    if (errorName(error) === "ResourceNotFoundException") return null;
    throw error;
  }
}

/**
 * A table is usable while ACTIVE or UPDATING. Polled here rather than through the SDK's
 * `waitUntilTableExists`, whose delays are whole seconds (20 s by default): DynamoDB Local and
 * dynalite create tables in well under a second, and the wait must fit the operation's budget.
 * A table that is missing right after CreateTable is normal on AWS (eventual consistency).
 */
async function waitUntilUsable(ctx: TableContext): Promise<TableDescription> {
  for (let attempt = 0; ; attempt++) {
    const table = await describe(ctx);
    if (table?.TableStatus === "ACTIVE" || table?.TableStatus === "UPDATING") return table;
    await ctx.budget.backoff(Math.min(1_000, 50 * 2 ** attempt), `table "${ctx.tableName}" to become ACTIVE`);
  }
}

async function create(ctx: TableContext): Promise<void> {
  try {
    await ctx.client.send(
      new CreateTableCommand({
        TableName: ctx.tableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [
          { AttributeName: ATTR.partition, AttributeType: "S" },
          { AttributeName: ATTR.sort, AttributeType: "S" },
        ],
        KeySchema: [
          { AttributeName: ATTR.partition, KeyType: "HASH" },
          { AttributeName: ATTR.sort, KeyType: "RANGE" },
        ],
      }),
      { abortSignal: ctx.budget.signal },
    );
  } catch (error) {
    // Another process won the creation race: its table is the one we wanted.
    if (errorName(error) !== "ResourceInUseException") throw error;
  }
}

function checkKeySchema(ctx: TableContext, table: TableDescription): void {
  const schema = table.KeySchema ?? [];
  const types = new Map((table.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]));
  const hash = schema.find((k) => k.KeyType === "HASH")?.AttributeName;
  const range = schema.find((k) => k.KeyType === "RANGE")?.AttributeName;
  if (hash !== ATTR.partition || range !== ATTR.sort || types.get(hash) !== "S" || types.get(range) !== "S") {
    const found = schema
      .map((k) => `${k.AttributeName} ${k.KeyType} ${types.get(k.AttributeName)}`)
      .join(", ");
    throw misconfigured(
      `DynamoDB table "${ctx.tableName}" has key schema [${found}]; this store needs ` +
        `${ATTR.partition} (S, HASH) and ${ATTR.sort} (S, RANGE)`,
    );
  }
}

/**
 * Enables TTL on the `ttl` attribute. Several processes may do this at once: AWS then answers
 * the later calls with a ValidationException ("already enabled" or "modified multiple times"),
 * which is fine as long as TTL ends up enabled (or enabling) on our attribute.
 */
async function ensureTtl(ctx: TableContext): Promise<void> {
  const current = async () =>
    (
      await ctx.client.send(new DescribeTimeToLiveCommand({ TableName: ctx.tableName }), {
        abortSignal: ctx.budget.signal,
      })
    ).TimeToLiveDescription;
  const isOurs = (d: Awaited<ReturnType<typeof current>>) =>
    (d?.TimeToLiveStatus === "ENABLED" || d?.TimeToLiveStatus === "ENABLING") && d.AttributeName === ATTR.ttl;

  const before = await current();
  if (isOurs(before)) return;
  if (before?.TimeToLiveStatus === "ENABLED" || before?.TimeToLiveStatus === "ENABLING") {
    throw misconfigured(
      `DynamoDB table "${ctx.tableName}" has TTL on attribute "${before.AttributeName}"; this store writes "${ATTR.ttl}"`,
    );
  }
  try {
    await ctx.client.send(
      new UpdateTimeToLiveCommand({
        TableName: ctx.tableName,
        TimeToLiveSpecification: { AttributeName: ATTR.ttl, Enabled: true },
      }),
      { abortSignal: ctx.budget.signal },
    );
  } catch (error) {
    if (errorName(error) !== "ValidationException" || !isOurs(await current())) throw error;
  }
}

/**
 * Makes sure the table exists with this store's key schema. With `create`, a missing table is
 * created (PAY_PER_REQUEST, TTL on `ttl`) and waited for; without, it is a configuration error.
 */
export async function ensureTable(ctx: TableContext, createIfMissing: boolean): Promise<void> {
  let table = await describe(ctx);
  if (table === null) {
    if (!createIfMissing) {
      throw misconfigured(
        `DynamoDB table "${ctx.tableName}" does not exist; create it (key schema in the @sessionkv/dynamodb README) ` +
          "or pass createTable: true",
      );
    }
    await create(ctx);
    table = await waitUntilUsable(ctx);
  } else if (table.TableStatus !== "ACTIVE" && table.TableStatus !== "UPDATING") {
    table = await waitUntilUsable(ctx);
  }
  checkKeySchema(ctx, table);
  if (createIfMissing) await ensureTtl(ctx);
}
