// The DynamoDB store against the raw @aws-sdk/client-dynamodb client sending the same requests,
// in the same run, over the same client (so the difference is the store's own overhead:
// validation, deadline, copies, expiry filtering). Prints ops/s and the time ratio store ÷ raw.
//
//   node bench/dynamodb.bench.ts          (SESSIONKV_LOCAL_IMAGES=1 for the dynalite image)
import {
  BatchGetItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { startDynamoDB } from "@sessionkv/conformance/containers";
import { DynamoDBSessionKVStore } from "@sessionkv/dynamodb";

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

/**
 * ops/s of `a` and `b`, run in alternating slices of `iterations / SLICES` so that both see the
 * same machine load (this machine's load moves on the scale of seconds).
 */
const SLICES = 10;
async function measurePair(
  iterations: number,
  a: (i: number) => Promise<unknown>,
  b: (i: number) => Promise<unknown>,
): Promise<[number, number]> {
  const per = Math.max(1, Math.round(iterations / SLICES));
  let ta = 0;
  let tb = 0;
  for (let slice = 0; slice < SLICES; slice++) {
    let t0 = performance.now();
    for (let i = 0; i < per; i++) await a(slice * per + i);
    ta += performance.now() - t0;
    t0 = performance.now();
    for (let i = 0; i < per; i++) await b(slice * per + i);
    tb += performance.now() - t0;
  }
  const n = per * SLICES;
  return [(n / ta) * 1000, (n / tb) * 1000];
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

try {
  await store.start();
  // 50 calls × 20 sessions, the shape the registry produces.
  const keys = Array.from({ length: 1000 }, (_, i) => `sessions/call-${i % 50}/s${i}`);
  await store.mset(keys.map((key) => ({ key, value, ttlMs: TTL })));
  const batch = Array.from({ length: 100 }, (_, i) => keys[(i * 7) % keys.length]!);

  const ops: [string, number, (i: number) => Promise<unknown>, (i: number) => Promise<unknown>][] = [
    ["set", 200, (i) => store.set(keys[i % 1000]!, value, TTL), (i) => raw.set(keys[i % 1000]!)],
    ["get", 200, (i) => store.get(keys[i % 1000]!), (i) => raw.get(keys[i % 1000]!)],
    ["mget of 100", 20, () => store.mget(batch), () => raw.mget(batch)],
    ["expire of 100", 10, () => store.expire(batch, TTL), () => raw.expire(batch)],
    [
      "keys of a call (Query)",
      200,
      (i) => store.keys(`sessions/call-${i % 50}/`),
      (i) => raw.keys(`call-${i % 50}`),
    ],
  ];

  const rows: { op: string; store: number; raw: number }[] = [];
  for (const [op, n, s, r] of ops) {
    await measurePair(Math.ceil(n / 5), s, r); // warm-up
    const a: number[] = [];
    const b: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const [x, y] = await measurePair(n, s, r);
      a.push(x);
      b.push(y);
    }
    rows.push({ op, store: median(a), raw: median(b) });
  }

  console.log(
    `\n@sessionkv/dynamodb vs raw DynamoDBClient on ${server.image} (median of ${ROUNDS} rounds, store and raw alternating)\n`,
  );
  console.log(
    `${"operation".padEnd(26)}${"store ops/s".padStart(13)}${"raw ops/s".padStart(13)}${"time store÷raw".padStart(17)}`,
  );
  for (const r of rows) {
    const fmt = (x: number) => Math.round(x).toLocaleString("en-US").padStart(13);
    console.log(`${r.op.padEnd(26)}${fmt(r.store)}${fmt(r.raw)}${(r.raw / r.store).toFixed(2).padStart(17)}`);
  }
} finally {
  await store.close();
  client.destroy();
  await server.stop();
}
