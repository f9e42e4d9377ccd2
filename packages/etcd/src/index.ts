export { faultHandling } from "./etcd3-patches/fault-handling.js";
export { EtcdSessionKVStore } from "./store.js";
export type { LeaseStats } from "./store.js";
export type { EtcdSessionKVStoreOptions } from "./options.js";
