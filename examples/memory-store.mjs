// The store module behind `pnpm conformance`, and the shape a third-party store module takes: a
// default export that makes a store for a namespace. Every in-memory store is its own namespace.
// Run: node conformance/dist/cli.js --store ./examples/memory-store.mjs (after `pnpm build`).
import { InMemorySessionKVStore } from "@sessionkv/memory";

export default () => new InMemorySessionKVStore();
