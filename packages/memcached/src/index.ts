export { MemcachedSessionKVStore } from "./store.js";
export type { MemcachedSessionKVStoreOptions } from "./options.js";
export { DEFAULT_MAX_VALUE_BYTES, MAX_KEY_BYTES } from "./options.js";
export type { IndexStats } from "./key-index.js";
