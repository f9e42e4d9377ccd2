// Store vs raw ioredis, same server, same run: the price of the store's layer (validation,
// lifecycle, deadline, key prefixing, error shaping) over the bare commands it issues.
//
//   SESSIONKV_LOCAL_IMAGES=1 node bench/redis.bench.ts      (from packages/redis, after a build)
//
// Each operation runs in rounds after a warm-up; within a round store and raw calls alternate;
// the table shows the median time per call over the rounds and the median of the rounds'
// store/raw ratios.
// Calls are sequential (one in flight), so the ratio is the per-call latency overhead.
import { startRedis } from "@sessionkv/conformance/containers";
import { withDeadline } from "@sessionkv/core";
import { RedisSessionKVStore } from "@sessionkv/redis";
import { Redis } from "ioredis";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const PREFIX = "bench:";
const TTL_MS = 300_000;
const VALUE = new Uint8Array(200).map((_, i) => i % 256);
const BATCH = 100;
const LISTED = 10_000;

interface Case {
  readonly name: string;
  readonly iterations: number;
  readonly store: (i: number) => Promise<unknown>;
  readonly raw: (i: number) => Promise<unknown>;
  /** Acceptance bound for store ÷ raw. */
  readonly bound: number;
}

async function timePerCall(run: (i: number) => Promise<unknown>, iterations: number): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await run(i);
  return Number(process.hrtime.bigint() - started) / 1e3 / iterations; // µs
}

/**
 * One round: store and raw calls alternate (store first on even calls, raw first on odd ones),
 * each timed on its own, so both see the same machine load — on a shared CI machine the load
 * changes faster than a block of calls lasts. Returns µs per call for each.
 */
async function alternating(c: Case): Promise<{ store: number; raw: number }> {
  let store = 0n;
  let raw = 0n;
  for (let i = 0; i < c.iterations; i++) {
    const storeFirst = i % 2 === 0;
    for (const which of storeFirst ? ["store", "raw"] : ["raw", "store"]) {
      const started = process.hrtime.bigint();
      if (which === "store") {
        await c.store(i);
        store += process.hrtime.bigint() - started;
      } else {
        await c.raw(i);
        raw += process.hrtime.bigint() - started;
      }
    }
  }
  return { store: Number(store) / 1e3 / c.iterations, raw: Number(raw) / 1e3 / c.iterations };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

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

    const cases: Case[] = [
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

    const rows: { name: string; store: number; raw: number; ratio: number; bound: number }[] = [];
    for (const c of cases) {
      // Warm-up: JIT, connection buffers, server-side allocations.
      await timePerCall(c.store, Math.ceil(c.iterations / 4));
      await timePerCall(c.raw, Math.ceil(c.iterations / 4));
      const storeTimes: number[] = [];
      const rawTimes: number[] = [];
      const ratios: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const times = await alternating(c);
        storeTimes.push(times.store);
        rawTimes.push(times.raw);
        ratios.push(times.store / times.raw);
      }
      // The ratio is the median of the rounds' ratios: each round's pair saw the same load.
      rows.push({
        name: c.name,
        store: median(storeTimes),
        raw: median(rawTimes),
        ratio: median(ratios),
        bound: c.bound,
      });
    }

    // The per-operation deadline (a timer and a race) that the base store adds to every call.
    const deadlineRuns = 200_000;
    const bare = await timePerCall(() => Promise.resolve(), deadlineRuns);
    const guarded = await timePerCall(() => withDeadline(Promise.resolve(), 5_000, "bench"), deadlineRuns);

    const load = (await import("node:os")).loadavg()[0]?.toFixed(2);
    console.log(
      `\nRedis store vs raw ioredis — ${server.image}, ${ROUNDS} rounds, median per call, one call in flight, load average ${load}\n`,
    );
    console.log(
      [
        "operation".padEnd(18),
        "store µs".padStart(10),
        "raw µs".padStart(10),
        "store ops/s".padStart(12),
        "raw ops/s".padStart(12),
        "store/raw".padStart(10),
        "bound".padStart(7),
        "",
      ].join(" "),
    );
    let failed = 0;
    for (const row of rows) {
      const ok = row.ratio <= row.bound;
      if (!ok) failed++;
      console.log(
        [
          row.name.padEnd(18),
          row.store.toFixed(1).padStart(10),
          row.raw.toFixed(1).padStart(10),
          Math.round(1e6 / row.store)
            .toString()
            .padStart(12),
          Math.round(1e6 / row.raw)
            .toString()
            .padStart(12),
          row.ratio.toFixed(3).padStart(10),
          `≤${row.bound}`.padStart(7),
          ok ? "ok" : "OVER",
        ].join(" "),
      );
    }
    console.log(
      `\nwithDeadline overhead: ${(guarded - bare).toFixed(2)} µs per call (${bare.toFixed(2)} → ${guarded.toFixed(2)} µs on a resolved promise)`,
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
