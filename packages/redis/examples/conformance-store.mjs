// The store module of the GitHub Actions job in conformance/README.md ("In your CI"), for this
// repository's Redis store. One client for every store, made at module level the way the Redis
// README makes Sentinel and Cluster clients: stores never close a client they were given, and
// the conformance CLI must exit anyway.
import { RedisSessionKVStore } from "@sessionkv/redis";
import { Redis } from "ioredis";

const client = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");

export default ({ namespace }) => new RedisSessionKVStore({ client, keyPrefix: `conformance:${namespace}:` });
