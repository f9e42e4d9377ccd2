export { InMemorySessionKVStore } from "./memory-store.js";
export type { InMemorySessionKVStoreOptions } from "./memory-store.js";
