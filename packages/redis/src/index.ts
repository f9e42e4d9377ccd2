export { DEFAULT_KEY_PREFIX, REDIS_CAPABILITIES, RedisSessionKVStore } from "./redis-store.js";
export type { RedisStoreOptions } from "./redis-store.js";
export { VISION_AGENTS_KEY_PREFIX } from "./interop.js";
export type { RedisClient } from "./topology.js";
