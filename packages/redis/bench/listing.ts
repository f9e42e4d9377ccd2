// getForCall (keys of one call + MGET of its records) with N other keys in the same
// database, half other calls' sessions and half unrelated application keys. Three designs side
// by side: the store (its listing index), the raw SCAN the store used to issue, and a per-call
// sorted set written by hand with raw ioredis (ZRANGEBYSCORE now..+inf, then MGET).
import { type BenchRow, compare, formatTable } from "@sessionkv/conformance/testing";
import { RedisSessionKVStore } from "@sessionkv/redis";
import type { Redis } from "ioredis";

const TTL_MS = 600_000;
const VALUE = Buffer.alloc(200, 7);
const CALL_SESSIONS = 10;
const PREFIX = "ls:";
const HAND = "hand:";

/** Server µs per call of `run`, from INFO commandstats (every command the call caused). */
async function serverUs(raw: Redis, run: () => Promise<unknown>, calls: number): Promise<number> {
  const total = async () => {
    const info = await raw.info("commandstats");
    let usec = 0;
    for (const match of info.matchAll(/usec=(\d+)/g)) usec += Number(match[1]);
    return usec;
  };
  const before = await total();
  for (let i = 0; i < calls; i++) await run();
  // INFO itself is counted once in `after`; negligible beside a listing.
  return ((await total()) - before) / calls;
}

async function populate(store: RedisSessionKVStore, raw: Redis, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i += 2_000) {
    const end = Math.min(to, i + 2_000);
    const sessions = [];
    const pipeline = raw.pipeline();
    for (let j = i; j < end; j++) {
      if (j % 2 === 0) sessions.push({ key: `sessions/o${j >> 4}/s${j}`, value: VALUE, ttlMs: TTL_MS });
      else pipeline.set(`app:${j}`, VALUE, "PX", TTL_MS);
      // The hand-made design's index of the same sessions, so both indexes hold the same load.
      if (j % 2 === 0)
        pipeline.zadd(`${HAND}o${j >> 4}`, Date.now() + TTL_MS, `${PREFIX}sessions/o${j >> 4}/s${j}`);
    }
    await Promise.all([store.mset(sessions), pipeline.exec()]);
  }
}

export async function listingBench(
  url: string,
  raw: Redis,
  rounds: number,
  sizes: readonly number[],
): Promise<void> {
  const store = new RedisSessionKVStore({ url, keyPrefix: PREFIX, operationTimeoutMs: 60_000 });
  await store.start();
  const call = "sessions/bench/";
  const own = Array.from({ length: CALL_SESSIONS }, (_, i) => `${call}s${i}`);
  await store.mset(own.map((key) => ({ key, value: VALUE, ttlMs: TTL_MS })));
  for (const key of own) await raw.zadd(`${HAND}bench`, Date.now() + TTL_MS, PREFIX + key);

  const storeCall = async () => store.mget(await store.keys(call));
  const scanCall = async () => {
    const found: string[] = [];
    let cursor = "0";
    do {
      const [next, page] = await raw.scan(cursor, "MATCH", `${PREFIX}${call}*`, "COUNT", 1_000);
      found.push(...page);
      cursor = next;
    } while (cursor !== "0");
    return raw.mgetBuffer([...new Set(found)]);
  };
  const handCall = async () => {
    const keys = await raw.zrangebyscore(`${HAND}bench`, Date.now(), "+inf");
    return raw.mgetBuffer(keys);
  };
  for (const run of [storeCall, scanCall, handCall])
    if ((await run()).filter((v) => v !== null).length !== CALL_SESSIONS)
      throw new Error("incomplete listing");

  const vsScan: BenchRow[] = [];
  const vsHand: BenchRow[] = [];
  const server: string[] = [];
  let populated = 0;
  for (const size of sizes) {
    await populate(store, raw, populated, size);
    populated = size;
    const name = `getForCall, ${size.toLocaleString("en")} other keys`;
    const iterations = size >= 1_000_000 ? 3 : size >= 100_000 ? 6 : 30;
    const [scanRow] = await compare({
      rounds: Math.min(rounds, size >= 1_000_000 ? 3 : rounds),
      cases: [{ name, iterations, store: storeCall, raw: scanCall }],
      print: false,
    });
    const [handRow] = await compare({
      rounds,
      cases: [{ name, iterations: 300, store: storeCall, raw: handCall }],
      print: false,
    });
    vsScan.push(scanRow as BenchRow);
    vsHand.push(handRow as BenchRow);
    const s = await serverUs(raw, storeCall, 20);
    const scan = await serverUs(raw, scanCall, size >= 1_000_000 ? 2 : 5);
    const hand = await serverUs(raw, handCall, 20);
    server.push(
      `${name.padEnd(36)}${s.toFixed(1).padStart(12)}${scan.toFixed(1).padStart(14)}${hand.toFixed(1).padStart(14)}`,
    );
  }
  console.log(`\ngetForCall (${CALL_SESSIONS} sessions): store index vs raw SCAN + MGET`);
  for (const line of formatTable(vsScan, { store: "store", raw: "SCAN" })) console.log(line);
  console.log("\ngetForCall: store index vs hand-made sorted set (ZRANGEBYSCORE + MGET)");
  for (const line of formatTable(vsHand, { store: "store", raw: "hand" })) console.log(line);
  console.log("\nserver µs per getForCall (INFO commandstats)");
  console.log(`${"".padEnd(36)}${"store".padStart(12)}${"SCAN".padStart(14)}${"hand".padStart(14)}`);
  for (const line of server) console.log(line);
  await store.close();
}
