import type { SessionKVStore } from "@sessionkv/core";
import { showList, showValue } from "./show.js";

/** What the contract expects of each operation called with valid arguments (core README, "The store contract"). */
const EXPECTED: Readonly<Record<string, string>> = {
  start: "start() to resolve (and to be idempotent)",
  close: "close() to resolve (and to be idempotent)",
  set: "set of a valid key, value and TTL to resolve (with onlyIfExists, a missing key is skipped silently)",
  mset: "mset of valid entries to resolve",
  get: "get of a valid key to resolve to its value, or null when missing",
  mget: "mget of valid keys to resolve to one value or null per key",
  expire: "expire to resolve, ignoring missing keys",
  keys: "keys(prefix) to resolve to the matching keys",
  delete: "delete to resolve, ignoring missing keys",
  prepare: "prepare of valid keys to return a key set this store's mget, expire and delete take",
};

/** Store calls that rejected (or threw), by the error they raised. */
const rejected = new WeakMap<object, string>();

/**
 * The store as cases see it: the same object, except that a call which rejects is remembered
 * with its arguments, so a case failed by that error can name the operation and what the
 * contract expected of it, not only the store's own message.
 */
export function watched(store: SessionKVStore): SessionKVStore {
  if (store === null || typeof store !== "object") return store;
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      const name = typeof property === "string" ? property : "";
      if (!(name in EXPECTED)) return value.bind(target);
      return (...args: unknown[]) => {
        const remember = (error: unknown) => {
          if (error !== null && typeof error === "object")
            rejected.set(error, `${name}(${showArgs(name, args)})`);
          throw error;
        };
        let result: unknown;
        try {
          result = value.apply(target, args);
        } catch (error) {
          remember(error);
        }
        return result instanceof Promise ? result.catch(remember) : result;
      };
    },
  });
}

/** The message of a case failed by `error`: the store's message, led by the call that raised it. */
export function failureMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const call = error !== null && typeof error === "object" ? rejected.get(error) : undefined;
  if (call === undefined) return message;
  const name = call.slice(0, call.indexOf("("));
  const code = (error as { code?: unknown }).code;
  return `${call} rejected${typeof code === "string" ? ` with ${code}` : ""}: ${message} — the contract expects ${EXPECTED[name]}`;
}

function showArgs(name: string, args: readonly unknown[]): string {
  if (name === "mset" && Array.isArray(args[0])) {
    const entries = args[0] as readonly { key?: unknown }[];
    return `[${entries.length} entries: ${showList(entries.map((e) => e?.key))}]`;
  }
  return args.map((arg) => (Array.isArray(arg) ? showList(arg) : showKeySet(arg))).join(", ");
}

/** A prepared key set shows its keys; anything else as a value. */
function showKeySet(arg: unknown): string {
  const keys = arg !== null && typeof arg === "object" ? (arg as { keys?: unknown }).keys : undefined;
  return Array.isArray(keys) ? `prepared ${showList(keys)}` : showValue(arg);
}
