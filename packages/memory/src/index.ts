export { InMemorySessionKVStore } from "./store.js";
export type { InMemorySessionKVStoreOptions } from "./options.js";
export { SortedKeys } from "./sorted-keys.js";
