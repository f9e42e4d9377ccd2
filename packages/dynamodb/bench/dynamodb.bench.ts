// The DynamoDB store against the raw @aws-sdk/client-dynamodb client sending the same requests,
// in the same run, over the same client (so the difference is the store's own overhead:
// validation, deadline, copies, expiry filtering). Prints ops/s and the time ratio store ÷ raw
// (compare() from @sessionkv/conformance/testing: store and raw calls alternate within each round).
//
//   node bench/dynamodb.bench.ts          (SESSIONKV_LOCAL_IMAGES=1 for the local DynamoDB Local image)
import {
  BatchGetItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { compare } from "@sessionkv/conformance/testing";
import { DynamoDBSessionKVStore } from "@sessionkv/dynamodb";
import { startDynamoDB } from "@sessionkv/test-kit";

const TTL = 60_000;
const TABLE = "sessionkv-bench";
const PREFIX = "bench:";
const TAG = `${PREFIX.length}:${PREFIX}`; // the store's namespace tag (see src/schema.ts)
const value = new Uint8Array(256).fill(7);
const ROUNDS = 3;

const server = await startDynamoDB();
const client = new DynamoDBClient({
  endpoint: server.url,
  region: "us-east-1",
  credentials: { accessKeyId: "sessionkv-bench", secretAccessKey: "sessionkv-bench-secret" },
});
const store = new DynamoDBSessionKVStore({
  client,
  tableName: TABLE,
  keyPrefix: PREFIX,
  createTable: true,
  operationTimeoutMs: 30_000,
});

/** What the store writes for a key, built by hand the way a direct SDK user would. */
function partition(key: string): string {
  const first = key.indexOf("/");
  const second = first === -1 ? -1 : key.indexOf("/", first + 1);
  return TAG + (second === -1 ? key : key.slice(0, second + 1));
}
const keyOf = (key: string) => ({ pk: { S: partition(key) }, sk: { S: key } });
const expiry = (now: number) => ({
  expiresAtMs: { N: String(now + TTL) },
  ttl: { N: String(Math.ceil((now + TTL) / 1000)) },
});

const raw = {
  set: (key: string) =>
    client.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { ...keyOf(key), val: { B: value }, ...expiry(Date.now()) },
      }),
    ),
  // A claim as a direct SDK user would write it: one conditional PutItem, a failed condition
  // answering "refused".
  claim: (key: string) => {
    const now = Date.now();
    return client
      .send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { ...keyOf(key), val: { B: value }, ...expiry(now) },
          ConditionExpression: "attribute_not_exists(pk) OR expiresAtMs <= :now",
          ExpressionAttributeValues: { ":now": { N: String(now) } },
        }),
      )
      .then(
        () => true,
        (error: Error) => {
          if (error.name !== "ConditionalCheckFailedException") throw error;
          return false;
        },
      );
  },
  get: (key: string) =>
    client.send(new GetItemCommand({ TableName: TABLE, Key: keyOf(key), ConsistentRead: true })),
  mget: (keys: string[]) =>
    client.send(
      new BatchGetItemCommand({ RequestItems: { [TABLE]: { Keys: keys.map(keyOf), ConsistentRead: true } } }),
    ),
  // Same request pattern as the store: one conditional UpdateItem per key, 16 in flight.
  expire: async (keys: string[]) => {
    const now = Date.now();
    const e = expiry(now);
    let next = 0;
    const worker = async () => {
      while (next < keys.length) {
        const key = keys[next++]!;
        await client
          .send(
            new UpdateItemCommand({
              TableName: TABLE,
              Key: keyOf(key),
              UpdateExpression: "SET #e = :e, #t = :t",
              ConditionExpression: "attribute_exists(pk) AND #e > :now",
              ExpressionAttributeNames: { "#e": "expiresAtMs", "#t": "ttl" },
              ExpressionAttributeValues: { ":e": e.expiresAtMs, ":t": e.ttl, ":now": { N: String(now) } },
            }),
          )
          .catch((error: Error) => {
            if (error.name !== "ConditionalCheckFailedException") throw error;
          });
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
  },
  keys: (call: string) =>
    client.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :sk)",
        FilterExpression: "expiresAtMs > :now",
        ProjectionExpression: "sk",
        ExpressionAttributeValues: {
          ":pk": { S: partition(`sessions/${call}/`) },
          ":sk": { S: `sessions/${call}/` },
          ":now": { N: String(Date.now()) },
        },
        ConsistentRead: true,
      }),
    ),
};

try {
  await store.start();
  // 50 calls × 20 sessions, the shape the registry produces.
  const keys = Array.from({ length: 1000 }, (_, i) => `sessions/call-${i % 50}/s${i}`);
  await store.mset(keys.map((key) => ({ key, value, ttlMs: TTL })));
  const batch = Array.from({ length: 100 }, (_, i) => keys[(i * 7) % keys.length]!);
  // A fresh key per claim on both sides, so every "created" claim creates.
  let fresh = 0;

  await compare({
    rounds: ROUNDS,
    warmup: 0.2,
    title: `\n@sessionkv/dynamodb vs raw DynamoDBClient on ${server.image} (median of ${ROUNDS} rounds, store and raw alternating)\n`,
    cases: [
      {
        name: "set",
        iterations: 200,
        store: (i) => store.set(keys[i % 1000]!, value, TTL),
        raw: (i) => raw.set(keys[i % 1000]!),
      },
      {
        name: "setIfAbsent, created",
        iterations: 200,
        store: () => store.setIfAbsent(`seats/c/${++fresh}`, value, TTL),
        raw: () => raw.claim(`seats/c/${++fresh}`),
      },
      {
        name: "setIfAbsent, refused (live key)",
        iterations: 200,
        store: (i) => store.setIfAbsent(keys[i % 1000]!, value, TTL),
        raw: (i) => raw.claim(keys[i % 1000]!),
      },
      {
        name: "get",
        iterations: 200,
        store: (i) => store.get(keys[i % 1000]!),
        raw: (i) => raw.get(keys[i % 1000]!),
      },
      { name: "mget of 100", iterations: 20, store: () => store.mget(batch), raw: () => raw.mget(batch) },
      {
        name: "expire of 100",
        iterations: 10,
        store: () => store.expire(batch, TTL),
        raw: () => raw.expire(batch),
      },
      {
        name: "keys of a call (Query)",
        iterations: 200,
        store: (i) => store.keys(`sessions/call-${i % 50}/`),
        raw: (i) => raw.keys(`call-${i % 50}`),
      },
    ],
  });
} finally {
  await store.close();
  client.destroy();
  await server.stop();
}
