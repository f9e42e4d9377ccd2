// The client CPU of a SessionHost maintenance cycle (core README, "Measured") against the
// same commands sent raw through ioredis: one pipeline of PEXPIRE over the records, then one MGET
// of records and close flags. Nothing changes between cycles, so the host writes nothing and the
// difference is the host's, the registry's and the store's own work (validation, keys, decoding
// each record, comparing metrics).
//
//   SESSIONKV_LOCAL_IMAGES=1 node bench/host-cpu.bench.ts      (from packages/redis, after a build)
//
// CPU is process.cpuUsage() (user + system) around a block of cycles, host and raw blocks
// alternating so both see the same machine load; a block of several cycles rather than one, so
// that each side's garbage is mostly collected within its own block (one-by-one alternation
// bills each side for the other's collections). The table shows µs per cycle, medians over the
// rounds, and the median of each round's host ÷ raw. The bound, within 1.5× the raw commands,
// holds the host's own work to at most half the cost of the commands it cannot do without.
import { loadavg } from "node:os";
import { type BenchRow, formatTable, median } from "@sessionkv/conformance/testing";
import { SessionHost, SessionRegistry, silentLogger } from "@sessionkv/core";
import { RedisSessionKVStore } from "@sessionkv/redis";
import { startRedis } from "@sessionkv/test-kit";
import { Redis } from "ioredis";

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 12);
const BLOCK = 4;
const PREFIX = "bench-host:";
const CALL = "call";
const TTL_MS = 300_000;
const BOUND = 1.5;

interface Side {
  readonly cpu: number[];
  readonly wall: number[];
}

async function measure(work: () => Promise<unknown>, into: Side): Promise<void> {
  const wall = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (let i = 0; i < BLOCK; i++) await work();
  const spent = process.cpuUsage(cpu);
  into.wall.push(Number(process.hrtime.bigint() - wall) / 1e3 / BLOCK);
  into.cpu.push((spent.user + spent.system) / BLOCK);
}

function row(name: string, store: Side, raw: Side, pick: (side: Side) => number[]): BenchRow {
  const s = pick(store);
  const r = pick(raw);
  return {
    name,
    storeUs: median(s),
    rawUs: median(r),
    ratio: median(s.map((value, i) => value / (r[i] as number))),
    bound: BOUND,
  };
}

async function main(): Promise<void> {
  const server = await startRedis();
  const store = new RedisSessionKVStore({ url: server.url as string, keyPrefix: PREFIX });
  const registry = new SessionRegistry({ store, ttlMs: TTL_MS, logger: silentLogger });
  // An interval longer than the bench: only runCycle() runs cycles.
  const host = new SessionHost({ registry, maintenanceIntervalMs: 100_000, logger: silentLogger });
  const raw = new Redis(server.url as string);
  try {
    await host.start();
    const ids = Array.from({ length: SESSIONS }, (_, i) => `s${i}`);
    for (let i = 0; i < SESSIONS; i += 500) {
      await Promise.all(
        ids.slice(i, i + 500).map((id, j) => {
          const metrics = { participants: (i + j) % 7, bitrate: 1_500_000 + i + j };
          return host.add(CALL, id, { close() {}, metrics: () => metrics });
        }),
      );
    }
    const records = ids.map((id) => `${PREFIX}sessions/${CALL}/${id}`);
    const both = [...records, ...ids.map((id) => `${PREFIX}close_requests/${CALL}/${id}`)];
    // What a hand-written heartbeat sends: the same two round trips, replies left undecoded.
    const rawCycle = async () => {
      const pipeline = raw.pipeline();
      for (const key of records) pipeline.pexpire(key, TTL_MS);
      await pipeline.exec();
      return raw.mgetBuffer(both);
    };
    const sessions = new Map(ids.map((id) => [id, CALL]));
    const rawRefresh = async () => {
      const pipeline = raw.pipeline();
      for (const key of records) pipeline.pexpire(key, TTL_MS);
      await pipeline.exec();
      return raw.mgetBuffer(records);
    };
    if ((await rawCycle()).slice(0, SESSIONS).some((value) => value === null))
      throw new Error("a record is missing");

    const storeKeys = both.map((key) => key.slice(PREFIX.length));
    const cases = [
      {
        // The store layer alone (keys already built): what of the gap is not the host's.
        name: "store expire + mget",
        store: async () => {
          await store.expire(storeKeys.slice(0, SESSIONS), TTL_MS);
          return store.mget(storeKeys);
        },
        raw: rawCycle,
      },
      { name: "host cycle", store: () => host.runCycle(), raw: rawCycle },
      { name: "registry.refresh", store: () => registry.refresh(sessions), raw: rawRefresh },
    ];
    const rows: BenchRow[] = [];
    for (const c of cases) {
      const storeSide: Side = { cpu: [], wall: [] };
      const rawSide: Side = { cpu: [], wall: [] };
      for (let i = 0; i < 3; i++) await Promise.all([c.store(), c.raw()]);
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 === 0 ? [c.store, c.raw] : [c.raw, c.store];
        for (const run of order) await measure(run, run === c.store ? storeSide : rawSide);
      }
      rows.push(row(`${c.name} CPU`, storeSide, rawSide, (side) => side.cpu));
      rows.push(row(`${c.name} wall`, storeSide, rawSide, (side) => side.wall));
    }
    console.log(
      `\nSessionHost vs raw ioredis at ${SESSIONS.toLocaleString("en")} unchanged sessions — ${server.image}, ${ROUNDS} rounds of ${BLOCK} cycles a side, median µs per cycle (client CPU: user + system), load average ${loadavg()[0]?.toFixed(2)}\n`,
    );
    for (const line of formatTable(rows, { store: "host", raw: "raw" })) console.log(line);
    if (host.cycles < ROUNDS) throw new Error("the host ran fewer cycles than measured");
  } finally {
    await host.stop();
    await store.close();
    raw.disconnect();
    await server.stop();
  }
}

await main();
