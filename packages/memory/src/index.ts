export { InMemorySessionKVStore } from "./store.js";
export type { InMemorySessionKVStoreOptions } from "./options.js";
