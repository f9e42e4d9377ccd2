import { InMemorySessionKVStore } from "@sessionkv/memory";
import { describeConformance } from "../src/bindings/vitest.js";

// The embedded store runs the whole suite, registry scenarios included, on every CI run.
describeConformance("InMemorySessionKVStore", {
  createStore: () => new InMemorySessionKVStore({ cleanupIntervalMs: 100 }),
});
