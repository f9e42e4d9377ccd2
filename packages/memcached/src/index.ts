export { MemcachedSessionKVStore } from "./memcached-store.js";
export type { MemcachedSessionKVStoreOptions } from "./options.js";
export { DEFAULT_MAX_VALUE_BYTES, MAX_KEY_BYTES } from "./options.js";
export type { IndexStats } from "./key-index.js";
export { INDEX_BUCKETS, MIN_COMPACT_ENTRIES } from "./key-index.js";
export { RELATIVE_EXPTIME_LIMIT_S, SERVER_EXPIRY_MARGIN_S, exptimeFor } from "./exptime.js";
