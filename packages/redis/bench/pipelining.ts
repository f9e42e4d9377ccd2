// Single-get latency and throughput with 32 gets in flight, with and without
// ioredis's enableAutoPipelining, store and raw, to choose the default from numbers.
import { type BenchRow, compare, formatTable } from "@sessionkv/conformance/testing";
import { RedisSessionKVStore } from "@sessionkv/redis";
import { Redis } from "ioredis";

const CONCURRENCY = 32;
const KEYS = Array.from({ length: 1_000 }, (_, i) => `p/${i}`);
const PREFIX = "pipe:";

export async function pipeliningBench(url: string, rounds: number): Promise<void> {
  const plain = new RedisSessionKVStore({ url, keyPrefix: PREFIX });
  const auto = new RedisSessionKVStore({
    url,
    keyPrefix: PREFIX,
    redisOptions: { enableAutoPipelining: true },
  });
  const raw = new Redis(url);
  const rawAuto = new Redis(url, { enableAutoPipelining: true });
  await Promise.all([plain.start(), auto.start(), raw.ping(), rawAuto.ping()]);
  await plain.mset(KEYS.map((key) => ({ key, value: Buffer.alloc(200, 1), ttlMs: 600_000 })));
  const one = (get: (key: string) => Promise<unknown>) => (i: number) => get(KEYS[i % KEYS.length] as string);
  const many = (get: (key: string) => Promise<unknown>) => (i: number) =>
    Promise.all(
      Array.from({ length: CONCURRENCY }, (_, j) => get(KEYS[(i * CONCURRENCY + j) % KEYS.length] as string)),
    );
  const sides = {
    "store no-auto": (key: string) => plain.get(key),
    "store auto": (key: string) => auto.get(key),
    raw: (key: string) => raw.getBuffer(PREFIX + key),
    "raw auto": (key: string) => rawAuto.getBuffer(PREFIX + key),
  } as const;
  type Side = keyof typeof sides;
  const pairs: [Side, Side][] = [
    ["store no-auto", "raw"],
    ["store auto", "raw"],
    ["store auto", "raw auto"],
    ["store auto", "store no-auto"],
  ];
  for (const [a, b] of pairs) {
    const rows: BenchRow[] = await compare({
      rounds,
      print: false,
      cases: [
        { name: "get, 1 in flight", iterations: 2_000, store: one(sides[a]), raw: one(sides[b]) },
        {
          name: `get, ${CONCURRENCY} in flight (µs per batch)`,
          iterations: 200,
          store: many(sides[a]),
          raw: many(sides[b]),
        },
      ],
    });
    console.log(`\n${a} vs ${b}`);
    for (const line of formatTable(rows, { store: a, raw: b })) console.log(line);
  }
  await Promise.all([plain.close(), auto.close()]);
  raw.disconnect();
  rawAuto.disconnect();
}
