import { type KeySet, keysOf } from "../prepared-keys.js";
import type { SessionKVStore } from "../types.js";

export type StoreOperation =
  | "set"
  | "setIfAbsent"
  | "deleteIfEquals"
  | "mset"
  | "get"
  | "mget"
  | "expire"
  | "keys"
  | "delete";

/** The keys an operation's arguments name, and the TTL each is given (none for reads and deletes). */
export function touchedKeys(
  operation: StoreOperation,
  args: readonly unknown[],
): { key: string; ttlMs?: number }[] {
  if (operation === "mset")
    return (args[0] as { key: string; ttlMs: number }[]).map(({ key, ttlMs }) => ({ key, ttlMs }));
  if (operation === "set" || operation === "setIfAbsent")
    return [{ key: args[0] as string, ttlMs: args[2] as number }];
  if (operation === "expire")
    return keysOf(args[0] as KeySet).map((key) => ({ key, ttlMs: args[1] as number }));
  if (operation === "mget" || operation === "delete")
    return keysOf(args[0] as KeySet).map((key) => ({ key }));
  return [{ key: args[0] as string }];
}

/** The store with `around` wrapped about every data operation; every call still reaches the store. */
export function aroundStore(
  store: SessionKVStore,
  around: (
    operation: StoreOperation,
    args: readonly unknown[],
    call: () => Promise<unknown>,
  ) => Promise<unknown>,
): SessionKVStore {
  const wrap =
    <A extends unknown[], R>(operation: StoreOperation, call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      around(operation, args, () => call(...args)) as Promise<R>;
  return {
    get capabilities() {
      return store.capabilities;
    },
    // Notifications pass through untouched: only data operations are wrapped.
    get notifications() {
      return store.notifications;
    },
    start: () => store.start(),
    close: () => store.close(),
    [Symbol.asyncDispose]: () => store.close(),
    set: wrap("set", (key: string, value: Uint8Array, ttlMs: number, options?: { onlyIfExists?: boolean }) =>
      store.set(key, value, ttlMs, options),
    ),
    setIfAbsent: wrap("setIfAbsent", (key: string, value: Uint8Array, ttlMs: number) =>
      store.setIfAbsent(key, value, ttlMs),
    ),
    deleteIfEquals: wrap("deleteIfEquals", (key: string, value: Uint8Array) =>
      store.deleteIfEquals(key, value),
    ),
    mset: wrap("mset", (entries: readonly { key: string; value: Uint8Array; ttlMs: number }[]) =>
      store.mset(entries),
    ),
    get: wrap("get", (key: string) => store.get(key)),
    mget: wrap("mget", (keys: KeySet) => store.mget(keys)),
    expire: wrap("expire", (keys: KeySet, ttlMs: number) => store.expire(keys, ttlMs)),
    keys: wrap("keys", (prefix: string) => store.keys(prefix)),
    delete: wrap("delete", (keys: KeySet) => store.delete(keys)),
    // No I/O, so nothing to wrap; the sets it makes are the wrapped store's, which the calls reach.
    prepare: (keys: readonly string[]) => store.prepare(keys),
  };
}

/**
 * The store with a hook run before each operation reaches it (the call waits for the hook), to
 * put another action exactly inside a maintenance cycle. Not a fake: every call reaches the store.
 */
export function interceptStore(
  store: SessionKVStore,
  before: (operation: StoreOperation, keys: readonly string[]) => Promise<void> | void,
): SessionKVStore {
  return aroundStore(store, async (operation, args, call) => {
    await before(
      operation,
      touchedKeys(operation, args).map((t) => t.key),
    );
    return call();
  });
}
