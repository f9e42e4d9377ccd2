// A node process of push-close.bench.ts: two hosts (push on, push off) on a store of its own.
import { pushCloseBenchNode } from "@sessionkv/conformance/testing";
import { RedisSessionKVStore } from "@sessionkv/redis";

await pushCloseBenchNode(
  () => new RedisSessionKVStore({ url: process.env.BENCH_REDIS_URL as string, keyPrefix: "bench-push:" }),
);
