import { InMemorySessionKVStore } from "@sessionkv/memory";
import type { StoreFactory } from "../types.js";

/**
 * The embedded default of the CLI, and the shape a third-party store module takes: a default
 * export that makes a store for a namespace. Every in-memory store is its own namespace.
 */
const createStore: StoreFactory = () => new InMemorySessionKVStore();
export default createStore;
