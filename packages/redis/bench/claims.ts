// Claims against the raw primitive they issue, same server, same run: setIfAbsent against
// `SET k v PX ms NX` (created and refused, plain and indexed keys), and a claim released with
// deleteIfEquals against `SET … NX` plus the same compare-and-delete script sent with EVAL.
import { type BenchCase, compare } from "@sessionkv/conformance/testing";
import { RedisSessionKVStore } from "@sessionkv/redis";
import { Redis } from "ioredis";

const PREFIX = "claims:";
const TTL_MS = 60_000;
const VALUE = Buffer.alloc(32, 7);
const RELEASE = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`;

export async function claimsBench(url: string, rounds: number, image: string): Promise<void> {
  const store = new RedisSessionKVStore({ url, keyPrefix: PREFIX });
  // A default ioredis client, as in the main table: what a user would write by hand.
  const raw = new Redis(url);
  await Promise.all([store.start(), raw.ping()]);
  const held = Array.from({ length: 1_000 }, (_, i) => `held/${i}`);
  const heldIndexed = Array.from({ length: 1_000 }, (_, i) => `seats/c${i % 100}/${i}`);
  await store.mset([...held, ...heldIndexed].map((key) => ({ key, value: VALUE, ttlMs: 600_000 })));
  // A fresh key per call on both sides (the run's counter), so every "created" claim creates.
  let fresh = 0;
  const next = (shape: (n: number) => string) => shape(++fresh);
  const plain = (n: number) => `fresh/${n}`;
  const indexed = (n: number) => `seats/f${n % 100}/${n}`;
  const cases: BenchCase[] = [
    {
      name: "setIfAbsent, created",
      iterations: 2_000,
      store: () => store.setIfAbsent(next(plain), VALUE, TTL_MS),
      raw: () => raw.set(PREFIX + next(plain), VALUE, "PX", TTL_MS, "NX"),
    },
    {
      name: "setIfAbsent, refused (live key)",
      iterations: 2_000,
      store: (i) => store.setIfAbsent(held[i % 1_000]!, VALUE, TTL_MS),
      raw: (i) => raw.set(PREFIX + held[i % 1_000]!, VALUE, "PX", TTL_MS, "NX"),
    },
    {
      name: "setIfAbsent, created, indexed key",
      iterations: 2_000,
      store: () => store.setIfAbsent(next(indexed), VALUE, TTL_MS),
      raw: () => raw.set(PREFIX + next(indexed), VALUE, "PX", TTL_MS, "NX"),
    },
    {
      name: "setIfAbsent, refused, indexed key",
      iterations: 2_000,
      store: (i) => store.setIfAbsent(heldIndexed[i % 1_000]!, VALUE, TTL_MS),
      raw: (i) => raw.set(PREFIX + heldIndexed[i % 1_000]!, VALUE, "PX", TTL_MS, "NX"),
    },
    {
      name: "setIfAbsent + deleteIfEquals",
      iterations: 1_000,
      store: async () => {
        const key = next(plain);
        await store.setIfAbsent(key, VALUE, TTL_MS);
        await store.deleteIfEquals(key, VALUE);
      },
      raw: async () => {
        const key = PREFIX + next(plain);
        await raw.set(key, VALUE, "PX", TTL_MS, "NX");
        await raw.eval(RELEASE, 1, key, VALUE);
      },
    },
  ];
  const load = (await import("node:os")).loadavg()[0]?.toFixed(2);
  await compare({
    rounds,
    cases,
    title: `\nRedis claims vs raw SET NX / EVAL — ${image}, ${rounds} rounds, median per call, one call in flight, load average ${load}\n`,
  });
  await store.close();
  raw.disconnect();
}
