import { compare, median, timePerCall } from "@sessionkv/conformance/testing";
import { MemcachedSessionKVStore } from "@sessionkv/memcached";
// The Memcached store against raw memjs doing the same work, in the same run, on the same
// server. Raw memjs has no multi-get, no CAS and no listing, so "the same work" is what a memjs
// user would write: one request per key (all in flight at once), `touch` for expire (which
// cannot keep an exact deadline; the store reads and CAS-rewrites instead), no index on set.
// Then keys() of one call against a hand-written per-call index (one appended item per call,
// its keys read back to confirm them), at 1k, 10k and 100k keys in the namespace.
//
//   node bench/memcached.bench.ts          (SESSIONKV_LOCAL_IMAGES=1 for the local images)
import { startMemcached } from "@sessionkv/test-kit";
import memjs from "memjs";

const TTL = 60_000;
const ROUNDS = 5;
const CONCURRENCY = 32;
/** Sessions per call in the listing benchmark (registry shape: `sessions/{call}/{session}`). */
const PER_CALL = 20;
const value = new Uint8Array(256).fill(7);
const rawValue = Buffer.from(value);

// 100k keys twice (store and hand-written index) outgrow memcached's default 64 MB: items
// evicted mid-run would make both listings short.
const server = await startMemcached({ args: ["-m", "1024"] });
const client = memjs.Client.create(server.endpoint, {
  logger: { log: () => undefined },
  timeout: 5,
  keepAlive: true,
});
const store = new MemcachedSessionKVStore({ client, keyPrefix: "bench:", operationTimeoutMs: 30_000 });

const raw = {
  set: (key: string) => client.set(`raw:${key}`, rawValue, { expires: 61 }),
  // memjs rejects an add of an existing key: a refused claim.
  add: (key: string, expires = 61) => client.add(`raw:${key}`, rawValue, { expires }).catch(() => false),
  get: (key: string) => client.get(`raw:${key}`),
  mget: (keys: string[]) => Promise.all(keys.map((k) => client.get(`raw:${k}`))),
  expire: (keys: string[]) => Promise.all(keys.map((k) => client.touch(`raw:${k}`, 121))),
  delete: (keys: string[]) => Promise.all(keys.map((k) => client.delete(`raw:${k}`))),
};

/**
 * The best a memjs user would write for "list one call": an item per call to which each write
 * appends its key, read with one get, then the listed keys read to drop the dead ones.
 */
const handIndex = {
  async set(key: string, call: string) {
    await client.set(`hand:${key}`, rawValue, { expires: 61 });
    const line = Buffer.from(`${key}\n`);
    const item = `hand-idx:${call}`;
    // memjs rejects an append to a missing item, and an add that another writer beat.
    for (const write of [() => client.append(item, line), () => client.add(item, line)].concat(() =>
      client.append(item, line),
    )) {
      if (await write().catch(() => false)) return;
    }
    throw new Error(`could not index ${key}`);
  },
  async list(call: string): Promise<string[]> {
    const { value: index } = await client.get(`hand-idx:${call}`);
    if (index === null) return [];
    const keys = [
      ...new Set(
        index
          .toString()
          .split("\n")
          .filter((k) => k !== ""),
      ),
    ];
    const values = await Promise.all(keys.map((k) => client.get(`hand:${k}`)));
    return keys.filter((_, i) => values[i]!.value !== null);
  },
};

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const callOf = (i: number) => `call-${Math.floor(i / PER_CALL)}`;
const sessionKey = (i: number) => `sessions/${callOf(i)}/s${i}`;

try {
  await store.start();
  const keys = Array.from({ length: 1000 }, (_, i) => sessionKey(i));
  await store.mset(keys.map((key) => ({ key, value, ttlMs: TTL })));
  await Promise.all(keys.map((k) => raw.set(k)));
  const batch = Array.from({ length: 100 }, (_, i) => keys[(i * 7) % keys.length]!);
  let fresh = 0;
  const doomed = (i: number) => Array.from({ length: 100 }, (_, j) => `doomed/${i}/${j}`);
  const fanOut = (i: number, op: (key: string) => Promise<unknown>) =>
    Promise.all(Array.from({ length: CONCURRENCY }, (_, j) => op(keys[(i * CONCURRENCY + j) % 1000]!)));

  await compare({
    rounds: ROUNDS,
    warmup: 0.2,
    title: `\n@sessionkv/memcached vs raw memjs on ${server.image} (median of ${ROUNDS} rounds, store and raw alternating)\n`,
    cases: [
      {
        name: "set (+ index append)",
        iterations: 2000,
        bound: 1.3,
        store: (i) => store.set(keys[i % 1000]!, value, TTL),
        raw: (i) => raw.set(keys[i % 1000]!),
      },
      {
        name: `${CONCURRENCY} sets at once`,
        iterations: 100,
        bound: 1.3,
        store: (i) => fanOut(i, (key) => store.set(key, value, TTL)),
        raw: (i) => fanOut(i, raw.set),
      },
      // Claims against memjs's add. "created": a fresh seat-shaped key per call on both sides,
      // with a 1 s TTL so that, as with the rotating keys of `set`, the index items hold a few
      // live entries per call (compaction drops the expired ones) instead of every claim of the
      // run. "refused": a live key; the item read behind the add answers it, one round trip too.
      {
        name: "setIfAbsent, created (+ index)",
        iterations: 2000,
        store: () => store.setIfAbsent(`seats/call-${fresh % 50}/${++fresh}`, value, 1_000),
        raw: () => raw.add(`seats/call-${fresh % 50}/${++fresh}`, 1),
      },
      {
        name: "setIfAbsent, refused (live key)",
        iterations: 2000,
        store: (i) => store.setIfAbsent(keys[i % 1000]!, value, TTL),
        raw: (i) => raw.add(keys[i % 1000]!),
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

  // keys(call): the call's scope item, then its keys' data items, whatever the namespace's size.
  const sizes = [1_000, 10_000, 100_000];
  const listings = [];
  const bytesRead: string[] = [];
  for (const size of sizes) {
    const listed = new MemcachedSessionKVStore({
      client,
      keyPrefix: `bench-keys-${size}:`,
      operationTimeoutMs: 60_000,
    });
    await listed.start();
    for (let i = 0; i < size; i += 1000) {
      const chunk = Array.from({ length: Math.min(1000, size - i) }, (_, j) => i + j);
      await listed.mset(chunk.map((n) => ({ key: sessionKey(n), value, ttlMs: TTL })));
      await Promise.all(chunk.map((n) => handIndex.set(`${size}/${sessionKey(n)}`, `${size}/${callOf(n)}`)));
    }
    const calls = size / PER_CALL;
    const probe = await listed.keys("sessions/call-0/");
    const hand = await handIndex.list(`${size}/call-0`);
    if (probe.length !== PER_CALL || hand.length !== PER_CALL)
      throw new Error(`at ${size} keys: listed ${probe.length} and ${hand.length} of ${PER_CALL}`);
    const stats = await listed.indexStats();
    bytesRead.push(
      `${fmt(size).padEnd(10)} index ${fmt(stats.bytes).padStart(11)} B in ${fmt(stats.buckets)} items; keys(call) reads one item of ~${fmt(PER_CALL * (2 + sessionKey(size - 1).length))} B`,
    );
    listings.push({
      name: `keys(call) @ ${fmt(size)} keys`,
      iterations: 300,
      store: (i: number) => listed.keys(`sessions/call-${(i * 37) % calls}/`),
      raw: (i: number) => handIndex.list(`${size}/call-${(i * 37) % calls}`),
    });
    if (size <= 10_000) {
      const all: number[] = [];
      for (let r = 0; r < ROUNDS; r++) all.push(1e6 / (await timePerCall(() => listed.keys(""), 5)));
      bytesRead.push(`${"".padEnd(10)} keys("") of all ${fmt(size)}: ${fmt(median(all))} ops/s`);
    }
  }
  await compare({
    rounds: ROUNDS,
    warmup: 0.1,
    title: `\nkeys() of one call (${PER_CALL} keys) vs a hand-written per-call index, by namespace size\n`,
    labels: { raw: "hand" },
    cases: listings,
  });
  console.log("");
  for (const line of bytesRead) console.log(line);
} finally {
  await store.close();
  client.close();
  await server.stop();
}
