import { createHash } from "node:crypto";
import type { RedisClient } from "./topology.js";

/**
 * `deleteIfEquals` as one server-side step (README, "Commands issued"): Redis has no
 * compare-and-delete before 8.4's `DELEX … IFEQ`, and a `GET` then `DEL` from the client could
 * delete a claim another node took in between. The script reads and deletes in one atomic step;
 * a Lua string compares bytes, so any value matches only itself.
 */
const DELETE_IF_EQUALS = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`;
const DELETE_IF_EQUALS_SHA = createHash("sha1").update(DELETE_IF_EQUALS).digest("hex");

/**
 * One round trip once the server has the script cached: `EVALSHA`, and only on `NOSCRIPT` (a
 * server that never saw it, restarted or failed over, or flushed its scripts) the whole script
 * with `EVAL`, which caches it again. A Cluster client routes both by the key's slot.
 */
export async function deleteIfEquals(client: RedisClient, fullKey: string, value: Buffer): Promise<boolean> {
  try {
    return (await client.evalsha(DELETE_IF_EQUALS_SHA, 1, fullKey, value)) === 1;
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith("NOSCRIPT"))) throw error;
    return (await client.eval(DELETE_IF_EQUALS, 1, fullKey, value)) === 1;
  }
}

/** `SET … NX` answers OK when it created the key and nil when a live one was there. */
export function claimed(reply: unknown): boolean {
  return reply === "OK";
}
