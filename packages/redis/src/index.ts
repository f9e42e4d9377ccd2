export { DEFAULT_KEY_PREFIX, REDIS_CAPABILITIES, RedisSessionKVStore } from "./redis-store.js";
export type { RedisStoreOptions } from "./redis-store.js";
export { classifyRedisError } from "./errors.js";
export { escapeGlob, prefixPattern } from "./glob.js";
export { hashSlot } from "./slot.js";
export { isCluster, topologyOf } from "./topology.js";
export type { RedisClient, Topology } from "./topology.js";
