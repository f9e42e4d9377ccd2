// The README's "Validating your own store": a module that default-exports ({ namespace }) => store.
import { InMemorySessionKVStore } from "@sessionkv/memory";

export default () => new InMemorySessionKVStore();
