import { describeConformance } from "@sessionkv/conformance/vitest";
import { InMemorySessionKVStore } from "../src/index.js";

// The in-process store runs the whole suite, registry scenarios included, on every CI run.
describeConformance("InMemorySessionKVStore", {
  createStore: () => new InMemorySessionKVStore({ cleanupIntervalMs: 100 }),
});
