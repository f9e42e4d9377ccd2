import type { SessionKVStore } from "../types.js";

export type StoreOperation = "set" | "mset" | "get" | "mget" | "expire" | "keys" | "delete";

/**
 * The store with a hook run before each operation reaches it (the call waits for the hook), to
 * put another action exactly inside a maintenance cycle. Not a fake: every call reaches the store.
 */
export function interceptStore(
  store: SessionKVStore,
  before: (operation: StoreOperation, keys: readonly string[]) => Promise<void> | void,
): SessionKVStore {
  const keysOf = (operation: StoreOperation, args: unknown[]): readonly string[] => {
    if (operation === "mset") return (args[0] as { key: string }[]).map((e) => e.key);
    if (operation === "mget" || operation === "expire" || operation === "delete") return args[0] as string[];
    return [args[0] as string];
  };
  const wrap =
    <A extends unknown[], R>(operation: StoreOperation, call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await before(operation, keysOf(operation, args));
      return call(...args);
    };
  return {
    get capabilities() {
      return store.capabilities;
    },
    start: () => store.start(),
    close: () => store.close(),
    [Symbol.asyncDispose]: () => store.close(),
    set: wrap("set", (key: string, value: Uint8Array, ttlMs: number, options?: { onlyIfExists?: boolean }) =>
      store.set(key, value, ttlMs, options),
    ),
    mset: wrap("mset", (entries: readonly { key: string; value: Uint8Array; ttlMs: number }[]) =>
      store.mset(entries),
    ),
    get: wrap("get", (key: string) => store.get(key)),
    mget: wrap("mget", (keys: readonly string[]) => store.mget(keys)),
    expire: wrap("expire", (keys: readonly string[], ttlMs: number) => store.expire(keys, ttlMs)),
    keys: wrap("keys", (prefix: string) => store.keys(prefix)),
    delete: wrap("delete", (keys: readonly string[]) => store.delete(keys)),
  };
}
