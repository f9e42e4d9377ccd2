export { REDIS_CAPABILITIES, RedisSessionKVStore } from "./store.js";
export { DEFAULT_KEY_PREFIX } from "./options.js";
export type { RedisSessionKVStoreOptions } from "./options.js";
export { VISION_AGENTS_KEY_PREFIX } from "./interop.js";
export type { RedisClient } from "./topology.js";
export type { ListingMode } from "./listing.js";
