import { randomBytes } from "node:crypto";
import type { SessionKVStore, SessionLogger } from "@sessionkv/core";
import { bytes, sleep } from "../expect.js";
import { type Presence, type Stamp, UNPROVEN, extended, timed, written } from "../stamps.js";
import type { Timing } from "../timing.js";
import type { CaseContext } from "../types.js";

/** Scheduling slack of a loaded 2-core CI machine, added to every "within" bound of the host cases. */
export const HOST_SLACK_MS = 1_500;

/**
 * Registry TTL and maintenance interval for the host cases: the TTL is at least twice the store's
 * shortest exact TTL (etcd's 2 s lease minimum, the 1 s clocks) and the interval a quarter of it,
 * so a heartbeat may be late by more than half a TTL before a record is at risk.
 */
export function hostTiming(timing: Timing): { ttlMs: number; intervalMs: number } {
  const ttlMs = Math.max(2_000, timing.shortTtlMs * 2);
  return { ttlMs, intervalMs: Math.floor(ttlMs / 4) };
}

/**
 * `count` stores that see the same data, one per simulated node: separate stores in the case's
 * namespace when the factory's stores share a server (a connection per node, as in production),
 * else the case's store itself (in-process stores are each their own world).
 */
export async function nodeStores(context: CaseContext, count: number): Promise<SessionKVStore[]> {
  const probe = `probe-${randomBytes(6).toString("hex")}`;
  await context.store.set(probe, bytes("1"), 60_000);
  const stores: SessionKVStore[] = [context.store];
  try {
    for (let i = 1; i < count; i++) {
      const other = await context.newStore({ namespace: context.namespace });
      stores.push((await other.get(probe)) === null ? context.store : other);
    }
  } finally {
    await context.store.delete([probe]);
  }
  return stores;
}

export interface RecordingLogger extends SessionLogger {
  readonly warnings: string[];
  readonly errors: string[];
}

export function recordingLogger(): RecordingLogger {
  const warnings: string[] = [];
  const errors: string[] = [];
  return {
    warnings,
    errors,
    warn: (message) => void warnings.push(message),
    error: (message, details) =>
      void errors.push(`${message}${details instanceof Error ? `: ${details.message}` : ""}`),
  };
}

/** Polls `check` until it returns true; returns the elapsed ms, or throws after `withinMs`. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  withinMs: number,
  what: string,
  everyMs = 20,
): Promise<number> {
  const begin = performance.now();
  for (;;) {
    if (await check()) return performance.now() - begin;
    const elapsed = performance.now() - begin;
    if (elapsed > withinMs)
      throw new Error(`${what}: not within ${withinMs} ms (waited ${Math.round(elapsed)} ms)`);
    await sleep(everyMs);
  }
}

/** `work`, or a rejection naming `what` once `ms` have passed (the timer is cleared either way). */
export async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} (after ${ms} ms)`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export type StoreOperation = "set" | "mset" | "get" | "mget" | "expire" | "keys" | "delete";

/** The keys an operation's arguments name, and the TTL each is given (none for reads and deletes). */
function touched(operation: StoreOperation, args: readonly unknown[]): { key: string; ttlMs?: number }[] {
  if (operation === "mset")
    return (args[0] as { key: string; ttlMs: number }[]).map(({ key, ttlMs }) => ({ key, ttlMs }));
  if (operation === "set") return [{ key: args[0] as string, ttlMs: args[2] as number }];
  if (operation === "expire") return (args[0] as string[]).map((key) => ({ key, ttlMs: args[1] as number }));
  if (operation === "mget" || operation === "delete") return (args[0] as string[]).map((key) => ({ key }));
  return [{ key: args[0] as string }];
}

/** The store with `around` wrapped about every data operation; every call still reaches the store. */
function wrapStore(
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

/**
 * The store with a hook run before each operation reaches it (the call waits for the hook), to
 * put another action exactly inside a maintenance cycle. Not a fake: every call reaches the store.
 */
export function interceptStore(
  store: SessionKVStore,
  before: (operation: StoreOperation, keys: readonly string[]) => Promise<void> | void,
): SessionKVStore {
  return wrapStore(store, async (operation, args, call) => {
    await before(
      operation,
      touched(operation, args).map((t) => t.key),
    );
    return call();
  });
}

/**
 * The store, stamping every write that a component (a host, a registry) makes through it, so a
 * case can tell where the records it wrote are provably present however late its timers fired.
 */
export function stampedStore(store: SessionKVStore): {
  store: SessionKVStore;
  presenceOf(key: string): Presence;
} {
  const log: { operation: StoreOperation; key: string; ttlMs?: number; stamp: Stamp }[] = [];
  const stamped = wrapStore(store, async (operation, args, call) => {
    const { value, stamp } = await timed(call);
    for (const t of touched(operation, args)) log.push({ operation, ...t, stamp });
    return value;
  });
  return {
    store: stamped,
    presenceOf(key) {
      let presence = UNPROVEN;
      // In issue order, since a write's effect dates from when it was issued.
      for (const entry of [...log].sort((a, b) => a.stamp.issuedAt - b.stamp.issuedAt)) {
        if (entry.key !== key) continue;
        if (entry.operation === "delete") presence = UNPROVEN;
        if (entry.ttlMs === undefined) continue;
        // A conditional set (onlyIfExists) only refreshes a live record: it is an extension.
        presence =
          entry.operation === "expire" || (entry.operation === "set" && presence !== UNPROVEN)
            ? extended(presence, entry.stamp, entry.ttlMs)
            : written(entry.stamp, entry.ttlMs);
      }
      return presence;
    },
  };
}

/** A record byte for byte as the Python original writes it (`json.dumps` of the dataclass, plus extras). */
export function pythonRecord(callId: string, sessionId: string, extra = ""): Uint8Array {
  return bytes(
    `{"session_id": "${sessionId}", "call_id": "${callId}", "node_id": "py-node-1", "started_at": 1763716274.123456, ` +
      `"metrics_updated_at": 1763716279.5, "metrics": {"llm_latency_ms": 412.5, "turns": 3, "stt_errors": null, "vendor_x_score": 0.25}${extra}}`,
  );
}
