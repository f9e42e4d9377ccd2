// Store vs raw ioredis, same server, same run: the price of the store's layer (validation,
// lifecycle, deadline, key prefixing, error shaping) over the bare commands it issues.
//
//   SESSIONKV_LOCAL_IMAGES=1 node bench/redis.bench.ts      (from packages/redis, after a build)
//
// Each operation runs in rounds after a warm-up; within a round store and raw calls alternate
// (compare() from @sessionkv/conformance/testing); the table shows the median time per call over
// the rounds and the median of the rounds' store/raw ratios, against each operation's bound.
// Calls are sequential (one in flight), so the ratio is the per-call latency overhead.
import { startRedis } from "@sessionkv/conformance/containers";
import { type BenchCase, compare, timePerCall } from "@sessionkv/conformance/testing";
import { withTimeout } from "@sessionkv/core/store-kit";
import { RedisSessionKVStore } from "@sessionkv/redis";
import { Redis } from "ioredis";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const PREFIX = "bench:";
const TTL_MS = 300_000;
const VALUE = new Uint8Array(200).map((_, i) => i % 256);
const BATCH = 100;
const LISTED = 10_000;

async function main(): Promise<void> {
  const server = await startRedis();
  const store = new RedisSessionKVStore({ url: server.url as string, keyPrefix: PREFIX });
  // What a user would write by hand: a default ioredis client.
  const raw = new Redis(server.url as string);
  try {
    await store.start();
    await raw.ping();

    const keys = Array.from({ length: 1_000 }, (_, i) => `session/${i}`);
    const full = keys.map((key) => PREFIX + key);
    const valueBuffer = Buffer.from(VALUE.buffer, VALUE.byteOffset, VALUE.byteLength);
    await store.mset(keys.map((key) => ({ key, value: VALUE, ttlMs: TTL_MS })));
    const batchOf = (i: number) => keys.slice((i * BATCH) % keys.length, ((i * BATCH) % keys.length) + BATCH);
    const fullBatchOf = (i: number) =>
      full.slice((i * BATCH) % full.length, ((i * BATCH) % full.length) + BATCH);

    // keys(): a namespace of 10,000 keys next to 10,000 foreign ones the SCAN must skip.
    const listPrefix = "list:";
    const lister = new RedisSessionKVStore({
      url: server.url as string,
      keyPrefix: `${PREFIX}${listPrefix}`,
    });
    await lister.start();
    const listedKeys = Array.from({ length: LISTED }, (_, i) => `k${i}`);
    for (let i = 0; i < LISTED; i += 1_000) {
      await lister.mset(listedKeys.slice(i, i + 1_000).map((key) => ({ key, value: VALUE, ttlMs: TTL_MS })));
      const foreign = raw.pipeline();
      for (let j = i; j < i + 1_000; j++) foreign.set(`other:k${j}`, "x", "PX", TTL_MS);
      await foreign.exec();
    }
    const rawScan = async (): Promise<string[]> => {
      const pattern = `${PREFIX}${listPrefix}*`;
      const found: string[] = [];
      let cursor = "0";
      do {
        const [next, page] = await raw.scan(cursor, "MATCH", pattern, "COUNT", 1_000);
        for (const key of page) found.push(key.slice(PREFIX.length + listPrefix.length));
        cursor = next;
      } while (cursor !== "0");
      return [...new Set(found)];
    };
    if ((await lister.keys("")).length !== LISTED || (await rawScan()).length !== LISTED)
      throw new Error("listing is incomplete");

    const cases: BenchCase[] = [
      {
        name: "set",
        iterations: 2_000,
        bound: 1.15,
        store: (i) => store.set(keys[i % 1_000] as string, VALUE, TTL_MS),
        raw: (i) => raw.set(full[i % 1_000] as string, valueBuffer, "PX", TTL_MS),
      },
      {
        name: "get",
        iterations: 2_000,
        bound: 1.15,
        store: (i) => store.get(keys[i % 1_000] as string),
        raw: (i) => raw.getBuffer(full[i % 1_000] as string),
      },
      {
        name: `mget ${BATCH}`,
        iterations: 400,
        bound: 1.25,
        store: (i) => store.mget(batchOf(i)),
        raw: (i) => raw.mgetBuffer(fullBatchOf(i)),
      },
      {
        name: `mset ${BATCH}`,
        iterations: 200,
        bound: 1.25,
        store: (i) => store.mset(batchOf(i).map((key) => ({ key, value: VALUE, ttlMs: TTL_MS }))),
        raw: (i) => {
          const pipeline = raw.pipeline();
          for (const key of fullBatchOf(i)) pipeline.set(key, valueBuffer, "PX", TTL_MS);
          return pipeline.exec();
        },
      },
      {
        name: `expire ${BATCH}`,
        iterations: 300,
        bound: 1.25,
        store: (i) => store.expire(batchOf(i), TTL_MS),
        raw: (i) => {
          const pipeline = raw.pipeline();
          for (const key of fullBatchOf(i)) pipeline.pexpire(key, TTL_MS);
          return pipeline.exec();
        },
      },
      {
        name: `keys over ${LISTED.toLocaleString("en")}`,
        iterations: 6,
        bound: 1.25,
        store: () => lister.keys(""),
        raw: () => rawScan(),
      },
    ];

    const load = (await import("node:os")).loadavg()[0]?.toFixed(2);
    const rows = await compare({
      rounds: ROUNDS,
      cases,
      title: `\nRedis store vs raw ioredis — ${server.image}, ${ROUNDS} rounds, median per call, one call in flight, load average ${load}\n`,
    });
    const failed = rows.filter((row) => row.bound !== undefined && row.ratio > row.bound).length;

    // The per-operation timeout (a timer and a race) that the base store adds to every call.
    const deadlineRuns = 200_000;
    const bare = await timePerCall(() => Promise.resolve(), deadlineRuns);
    const guarded = await timePerCall(() => withTimeout(Promise.resolve(), 5_000, "bench"), deadlineRuns);

    console.log(
      `\nwithTimeout overhead: ${(guarded - bare).toFixed(2)} µs per call (${bare.toFixed(2)} → ${guarded.toFixed(2)} µs on a resolved promise)`,
    );
    if (failed > 0)
      console.log(
        `${failed} operation(s) over their bound (a loaded machine adds noise: rerun before concluding).`,
      );
    await lister.delete(listedKeys);
    await lister.close();
  } finally {
    await store.close();
    raw.disconnect();
    await server.stop();
  }
}

await main();
