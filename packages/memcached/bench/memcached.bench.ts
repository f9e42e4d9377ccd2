// The Memcached store against raw memjs doing the same work, in the same run, on the same
// server. Raw memjs has no multi-get, no CAS and no listing, so "the same work" is what a memjs
// user would write: one request per key (all in flight at once), `touch` for expire (which
// cannot keep an exact deadline; the store reads and CAS-rewrites instead), no index on set.
// Then the cost of keys() against the number of keys indexed in the namespace.
//
//   node bench/memcached.bench.ts          (SESSIONKV_LOCAL_IMAGES=1 for the local images)
import { startMemcached } from "@sessionkv/conformance/containers";
import { compare, median, timePerCall } from "@sessionkv/conformance/testing";
import { MemcachedSessionKVStore } from "@sessionkv/memcached";
import memjs from "memjs";

const TTL = 60_000;
const ROUNDS = 3;
const value = new Uint8Array(256).fill(7);
const rawValue = Buffer.from(value);

const server = await startMemcached();
const client = memjs.Client.create(server.endpoint, {
  logger: { log: () => undefined },
  timeout: 5,
  keepAlive: true,
});
const store = new MemcachedSessionKVStore({ client, keyPrefix: "bench:", operationTimeoutMs: 30_000 });

const raw = {
  set: (key: string) => client.set(`raw:${key}`, rawValue, { expires: 61 }),
  get: (key: string) => client.get(`raw:${key}`),
  mget: (keys: string[]) => Promise.all(keys.map((k) => client.get(`raw:${k}`))),
  expire: (keys: string[]) => Promise.all(keys.map((k) => client.touch(`raw:${k}`, 121))),
  delete: (keys: string[]) => Promise.all(keys.map((k) => client.delete(`raw:${k}`))),
};

/** ops/s of `op` over `iterations` sequential calls. */
const opsPerSecond = async (iterations: number, op: (i: number) => Promise<unknown>) =>
  1e6 / (await timePerCall(op, iterations));
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

try {
  await store.start();
  const keys = Array.from({ length: 1000 }, (_, i) => `sessions/call-${i % 50}/s${i}`);
  await store.mset(keys.map((key) => ({ key, value, ttlMs: TTL })));
  await Promise.all(keys.map((k) => raw.set(k)));
  const batch = Array.from({ length: 100 }, (_, i) => keys[(i * 7) % keys.length]!);
  const doomed = (i: number) => Array.from({ length: 100 }, (_, j) => `doomed/${i}/${j}`);

  await compare({
    rounds: ROUNDS,
    warmup: 0.2,
    title: `\n@sessionkv/memcached vs raw memjs on ${server.image} (median of ${ROUNDS} rounds, store and raw alternating)\n`,
    cases: [
      {
        name: "set (+ index append)",
        iterations: 2000,
        store: (i) => store.set(keys[i % 1000]!, value, TTL),
        raw: (i) => raw.set(keys[i % 1000]!),
      },
      {
        name: "get",
        iterations: 2000,
        store: (i) => store.get(keys[i % 1000]!),
        raw: (i) => raw.get(keys[i % 1000]!),
      },
      { name: "mget of 100", iterations: 200, store: () => store.mget(batch), raw: () => raw.mget(batch) },
      {
        name: "expire of 100 (CAS vs touch)",
        iterations: 200,
        store: () => store.expire(batch, TTL),
        raw: () => raw.expire(batch),
      },
      {
        name: "delete of 100",
        iterations: 200,
        store: (i) => store.delete(doomed(i)),
        raw: (i) => raw.delete(doomed(i)),
      },
    ],
  });

  // keys(): two pipelined round trips (32 index buckets, then the candidates' data items) whose
  // size grows with the namespace: every bucket is read whatever the prefix.
  console.log("\nkeys() against the number of indexed keys (registry shape: 20 keys per call)\n");
  console.log(
    `${"indexed keys".padEnd(16)}${"index bytes".padStart(13)}${"keys(call) ops/s".padStart(19)}${"keys('') ops/s".padStart(17)}`,
  );
  for (const size of [100, 1_000, 10_000]) {
    const listed = new MemcachedSessionKVStore({
      client,
      keyPrefix: `bench-keys-${size}:`,
      operationTimeoutMs: 30_000,
    });
    await listed.start();
    const names = Array.from({ length: size }, (_, i) => `sessions/call-${Math.floor(i / 20)}/s${i}`);
    for (let i = 0; i < names.length; i += 1000) {
      await listed.mset(names.slice(i, i + 1000).map((key) => ({ key, value, ttlMs: TTL })));
    }
    const found = await listed.keys("");
    if (found.length !== size) throw new Error(`keys("") listed ${found.length} of ${size}`);
    const stats = await listed.indexStats();
    const calls = size / 20;
    await opsPerSecond(20, (i) => listed.keys(`sessions/call-${i % calls}/`));
    const perCallRounds: number[] = [];
    for (let r = 0; r < ROUNDS; r++)
      perCallRounds.push(await opsPerSecond(100, (i) => listed.keys(`sessions/call-${i % calls}/`)));
    const perCall = median(perCallRounds);
    const all: number[] = [];
    for (let r = 0; r < ROUNDS; r++)
      all.push(await opsPerSecond(size >= 10_000 ? 5 : 20, () => listed.keys("")));
    console.log(
      `${fmt(size).padEnd(16)}${fmt(stats.bytes).padStart(13)}${fmt(perCall).padStart(19)}${fmt(median(all)).padStart(17)}`,
    );
    await listed.close();
  }
} finally {
  await store.close();
  client.close();
  await server.stop();
}
