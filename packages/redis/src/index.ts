export { REDIS_CAPABILITIES, RedisSessionKVStore } from "./store.js";
export { DEFAULT_KEY_PREFIX } from "./options.js";
export type { RedisSessionKVStoreOptions } from "./options.js";
export { classifyRedisError } from "./errors.js";
export { escapeGlob, prefixPattern } from "./glob.js";
export { hashSlot } from "./slot.js";
export { isCluster, topologyOf } from "./topology.js";
export type { RedisClient, Topology } from "./topology.js";
