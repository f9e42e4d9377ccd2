// The in-memory store against a plain Map with timestamps doing the same work, same run.
// Prints ops/s for each and the ratio (time per op, store ÷ map).
import { InMemorySessionKVStore } from "@sessionkv/memory";

const TTL = 60_000;
const value = new Uint8Array(64).fill(7);

/** The baseline: what a hand-written Map cache would do (copy in/out, timestamps, prefix scan). */
class MapBaseline {
  readonly map = new Map<string, { value: Uint8Array; until: number }>();
  set(key: string, v: Uint8Array, ttl: number) {
    this.map.set(key, { value: v.slice(), until: performance.now() + ttl });
  }
  setIfAbsent(key: string, v: Uint8Array, ttl: number) {
    const e = this.map.get(key);
    if (e && e.until > performance.now()) return false;
    this.set(key, v, ttl);
    return true;
  }
  get(key: string) {
    const e = this.map.get(key);
    return e && e.until > performance.now() ? e.value.slice() : null;
  }
  mget(keys: readonly string[]) {
    return keys.map((k) => this.get(k));
  }
  expire(keys: readonly string[], ttl: number) {
    const t = performance.now();
    for (const k of keys) {
      const e = this.map.get(k);
      if (e && e.until > t) e.until = t + ttl;
    }
  }
  keys(prefix: string) {
    const t = performance.now();
    const out: string[] = [];
    for (const [k, e] of this.map) if (e.until > t && k.startsWith(prefix)) out.push(k);
    return out;
  }
}

async function measure(iterations: number, op: (i: number) => unknown): Promise<number> {
  for (let i = 0; i < Math.min(iterations, 1000); i++) await op(i);
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) await op(i);
  const ms = performance.now() - t0;
  return (iterations / ms) * 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

const store = new InMemorySessionKVStore();
await store.start();
const map = new MapBaseline();
const N = 10_000;
for (let i = 0; i < N; i++) {
  await store.set(`k${i}`, value, TTL);
  map.set(`k${i}`, value, TTL);
}
const batch = Array.from({ length: 100 }, (_, i) => `k${i * 7}`);

const ops: [string, number, (i: number) => unknown, (i: number) => unknown][] = [
  ["set", 200_000, (i) => store.set(`k${i % N}`, value, TTL), (i) => map.set(`k${i % N}`, value, TTL)],
  // Half the claims find a live key (refused), half a fresh one (created), on both sides.
  [
    "setIfAbsent",
    200_000,
    (i) => store.setIfAbsent(i % 2 === 0 ? `k${i % N}` : `claim${i}`, value, TTL),
    (i) => map.setIfAbsent(i % 2 === 0 ? `k${i % N}` : `claim${i}`, value, TTL),
  ],
  ["get", 200_000, (i) => store.get(`k${i % N}`), (i) => map.get(`k${i % N}`)],
  ["mget of 100", 5_000, () => store.mget(batch), () => map.mget(batch)],
  ["expire of 100", 5_000, () => store.expire(batch, TTL), () => map.expire(batch, TTL)],
];

const rows: { op: string; store: number; map: number }[] = [];
for (const [op, n, s, m] of ops) {
  const a: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < 5; round++) {
    a.push(await measure(n, s));
    b.push(await measure(n, m));
  }
  rows.push({ op, store: median(a), map: median(b) });
}

// keys() over 1,000,000 keys, listing the 10 of one call: the sorted index against a full scan.
const big = new InMemorySessionKVStore();
await big.start();
const bigMap = new MapBaseline();
const entries = Array.from({ length: 1_000_000 }, (_, i) => ({
  key: `sessions/call-${i % 100_000}/s${i}`,
  value,
  ttlMs: TTL,
}));
for (let i = 0; i < entries.length; i += 10_000) await big.mset(entries.slice(i, i + 10_000));
for (const e of entries) bigMap.set(e.key, value, TTL);
const ks: number[] = [];
const km: number[] = [];
for (let round = 0; round < 5; round++) {
  ks.push(await measure(200, (i) => big.keys(`sessions/call-${(i * 7919) % 100_000}/`)));
  km.push(await measure(3, (i) => bigMap.keys(`sessions/call-${(i * 7919) % 100_000}/`)));
}
rows.push({ op: "keys of 10 in 1,000,000", store: median(ks), map: median(km) });

console.log("\n@sessionkv/memory vs Map with timestamps (median of 5 rounds)\n");
console.log(
  `${"operation".padEnd(26)}${"store ops/s".padStart(14)}${"Map ops/s".padStart(14)}${"time store÷Map".padStart(17)}`,
);
for (const r of rows) {
  console.log(
    `${r.op.padEnd(26)}${Math.round(r.store).toLocaleString("en-US").padStart(14)}${Math.round(r.map).toLocaleString("en-US").padStart(14)}${(r.map / r.store).toFixed(2).padStart(17)}`,
  );
}
await store.close();
await big.close();
