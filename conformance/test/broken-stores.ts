import {
  ErrorCode,
  type MsetEntry,
  SessionKVError,
  type SessionKVStore,
  type SetOptions,
} from "@sessionkv/core";
import { keysOf } from "@sessionkv/core/store-kit";
import { ReferenceStore } from "../../packages/core/test/support/reference-store.js";

/**
 * Deliberately broken stores: each one breaks a single rule of the contract the way real
 * adapters have broken it. The self-test proves the suite catches every one.
 */
export interface BrokenStore {
  readonly name: string;
  /** Cases of which at least one must fail. */
  readonly caughtBy: readonly string[];
  readonly create: () => SessionKVStore;
}

type Overrides = (inner: ReferenceStore) => Partial<SessionKVStore>;

/** A store implementing the interface directly (not extending the base), delegating to a working one. */
function delegating(inner: ReferenceStore, overrides: Partial<SessionKVStore>): SessionKVStore {
  const store: SessionKVStore = {
    get capabilities() {
      return inner.capabilities;
    },
    start: () => inner.start(),
    close: () => inner.close(),
    set: (key, value, ttlMs, options) => inner.set(key, value, ttlMs, options),
    setIfAbsent: (key, value, ttlMs) => inner.setIfAbsent(key, value, ttlMs),
    deleteIfEquals: (key, value) => inner.deleteIfEquals(key, value),
    mset: (entries) => inner.mset(entries),
    get: (key) => inner.get(key),
    mget: (keys) => inner.mget(keys),
    expire: (keys, ttlMs) => inner.expire(keys, ttlMs),
    keys: (prefix) => inner.keys(prefix),
    delete: (keys) => inner.delete(keys),
    prepare: (keys) => inner.prepare(keys),
    [Symbol.asyncDispose]: () => store.close(),
  };
  return Object.assign(store, overrides);
}

const broken = (name: string, caughtBy: string[], overrides: Overrides): BrokenStore => ({
  name,
  caughtBy,
  create: () => {
    const inner = new ReferenceStore();
    return delegating(inner, overrides(inner));
  },
});

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));
const HOUR = 3_600_000;
const globToRegex = (glob: string) =>
  new RegExp(
    `^${glob
      .replace(/[.+^${}()|\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}`,
  );

/**
 * A batch of more than 100 keys that "times out": refused as unavailable after 1.2 s, as a store
 * whose large batches never get an answer would be, while the server answers smaller calls at once.
 */
const timesOutAbove100 = async <T>(size: number, work: () => Promise<T>): Promise<T> => {
  if (size <= 100) return work();
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  throw new SessionKVError(ErrorCode.STORE_UNAVAILABLE, "did not answer within 1200 ms");
};

/** A shared map behind every store the factory makes: namespaces ignored. */
const sharedInner = new ReferenceStore();

export const brokenStores: readonly BrokenStore[] = [
  broken("TTL ignored", ["ttl.expires"], (s) => ({
    set: (k, v, _ttl, o) => s.set(k, v, HOUR, o),
    mset: (e) => s.mset(e.map((x) => ({ ...x, ttlMs: HOUR }))),
  })),
  broken("expires early (TTL halved)", ["ttl.never-early"], (s) => ({
    set: (k, v, ttl, o) => s.set(k, v, ttl / 2, o),
    mset: (e) => s.mset(e.map((x) => ({ ...x, ttlMs: x.ttlMs / 2 }))),
  })),
  broken("expire creates missing keys", ["expire.missing-ignored"], (s) => ({
    expire: async (keys, ttl) => {
      for (const k of keysOf(keys)) if ((await s.get(k)) === null) await s.set(k, new Uint8Array(0), ttl);
      await s.expire(keys, ttl);
    },
  })),
  broken("expire read-then-write (overwrites concurrent set)", ["concurrency.expire-vs-set"], (s) => ({
    expire: async (keys, ttl) => {
      for (const k of keysOf(keys)) {
        const v = await s.get(k);
        await tick();
        if (v !== null) await s.set(k, v, ttl);
      }
    },
  })),
  broken("prefix treated as a glob", ["listing.literal-metacharacters"], (s) => ({
    keys: async (prefix) => (await s.keys("")).filter((k) => globToRegex(prefix).test(k)),
  })),
  broken("prefix treated as a regex", ["listing.literal-metacharacters"], (s) => ({
    keys: async (prefix) => {
      try {
        const re = new RegExp(`^${prefix}`);
        return (await s.keys("")).filter((k) => re.test(k));
      } catch {
        return [];
      }
    },
  })),
  broken("mget out of order", ["mget.order-duplicates-missing"], (s) => ({
    mget: async (keys) => {
      const sorted = [...keysOf(keys)].sort();
      const values = await s.mget(sorted);
      return values;
    },
  })),
  broken("mget drops duplicates", ["mget.order-duplicates-missing"], (s) => ({
    mget: (keys) => s.mget([...new Set(keysOf(keys))]),
  })),
  broken("empty value read as missing", ["values.empty-is-not-missing"], (s) => ({
    get: async (k) => {
      const v = await s.get(k);
      return v !== null && v.byteLength === 0 ? null : v;
    },
  })),
  broken("onlyIfExists ignored", ["only-if-exists.missing"], (s) => ({
    set: (k, v, ttl) => s.set(k, v, ttl),
  })),
  broken("onlyIfExists as read-then-write", ["concurrency.only-if-exists-vs-delete"], (s) => ({
    set: async (k, v, ttl, o?: SetOptions) => {
      if (o?.onlyIfExists) {
        if ((await s.get(k)) === null) return;
        await tick();
      }
      await s.set(k, v, ttl);
    },
  })),
  broken("setIfAbsent as read-then-write", ["claims.one-winner", "claims.fresh-keys-one-winner"], (s) => ({
    setIfAbsent: async (k, v, ttl) => {
      if ((await s.get(k)) !== null) return false;
      await tick();
      await s.set(k, v, ttl);
      return true;
    },
  })),
  broken("setIfAbsent refreshes the TTL of a live key", ["claims.live-kept"], (s) => ({
    setIfAbsent: async (k, v, ttl) => {
      if (await s.setIfAbsent(k, v, ttl)) return true;
      await s.expire([k], ttl);
      return false;
    },
  })),
  broken("setIfAbsent refuses an expired key it once held", ["claims.expired-claimable"], (s) => {
    const everClaimed = new Set<string>();
    return {
      setIfAbsent: async (k, v, ttl) => {
        if (everClaimed.has(k)) return false;
        everClaimed.add(k);
        return s.setIfAbsent(k, v, ttl);
      },
    };
  }),
  broken("deleteIfEquals without the compare", ["claims.delete-if-equals", "claims.one-winner"], (s) => ({
    deleteIfEquals: async (k) => {
      const present = (await s.get(k)) !== null;
      await s.delete([k]);
      return present;
    },
  })),
  broken("keys() repeats keys", ["listing.complete-2000"], (s) => ({
    keys: async (p) => {
      const keys = await s.keys(p);
      return [...keys, ...keys.slice(0, 1)];
    },
  })),
  broken("keys() misses keys past a page", ["listing.complete-2000"], (s) => ({
    keys: async (p) => (await s.keys(p)).slice(0, 1000),
  })),
  broken("mset drops the entries past the first 1,000", ["mset.large-batch"], (s) => ({
    mset: (entries) => s.mset(entries.slice(0, 1000)),
  })),
  broken("mset above 100 entries times out on a fast server", ["mset.large-batch"], (s) => ({
    mset: (entries) => timesOutAbove100(entries.length, () => s.mset(entries)),
  })),
  broken("mget above 100 keys times out on a fast server", ["mget.large"], (s) => ({
    mget: (keys) => timesOutAbove100(keysOf(keys).length, () => s.mget(keys)),
  })),
  broken("delete above 100 keys times out on a fast server", ["delete.large"], (s) => ({
    delete: (keys) => timesOutAbove100(keysOf(keys).length, () => s.delete(keys)),
  })),
  broken("mset first entry wins", ["mset.repeated-key-last-wins"], (s) => ({
    mset: (entries: readonly MsetEntry[]) => {
      const seen = new Set<string>();
      return s.mset(entries.filter((e) => !seen.has(e.key) && seen.add(e.key)));
    },
  })),
  broken("values not copied in", ["values.copied-in-and-out"], (s) => {
    const held = new Map<string, Uint8Array>();
    return {
      set: async (k, v, ttl, o) => {
        await s.set(k, v, ttl, o);
        held.set(k, v);
      },
      get: async (k) => ((await s.get(k)) === null ? null : (held.get(k) ?? (await s.get(k)))),
    };
  }),
  broken("values not copied out", ["values.copied-in-and-out"], (s) => {
    const cache = new Map<string, Uint8Array>();
    return {
      get: async (k) => {
        if (!cache.has(k)) {
          const v = await s.get(k);
          if (v === null) return null;
          cache.set(k, v);
        }
        return cache.get(k)!;
      },
    };
  }),
  broken("too-large value truncated", ["values.too-large"], (s) => ({
    set: (k, v, ttl, o) => s.set(k, v.subarray(0, s.capabilities.maxValueBytes), ttl, o),
  })),
  broken("empty key accepted", ["keys.invalid-rejected"], (s) => ({
    set: (k, v, ttl, o) => s.set(k === "" ? "(empty)" : k, v, ttl, o),
  })),
  broken("zero TTL accepted", ["ttl.invalid"], (s) => ({
    set: (k, v, ttl, o) => s.set(k, v, ttl > 0 ? ttl : 1, o),
  })),
  broken("TTLs past 365 days clamped instead of rejected", ["ttl.range-rejects-beyond-max"], (s) => {
    const clamp = (ttl: number) => Math.min(ttl, 365 * 24 * HOUR);
    return {
      set: (k, v, ttl, o) => s.set(k, v, clamp(ttl), o),
      mset: (e) => s.mset(e.map((x) => ({ ...x, ttlMs: clamp(x.ttlMs) }))),
      expire: (keys, ttl) => s.expire(keys, clamp(ttl)),
    };
  }),
  broken("keys normalised", ["keys.no-normalisation"], (s) => ({
    set: (k, v, ttl, o) => s.set(k.normalize("NFC"), v, ttl, o),
    get: (k) => s.get(k.normalize("NFC")),
  })),
  broken("delete fails on missing keys", ["delete.existing-and-missing"], (s) => ({
    delete: async (keys) => {
      for (const v of await s.mget(keys)) if (v === null) throw new Error("no such key");
      await s.delete(keys);
    },
  })),
  broken("operations work after close", ["lifecycle.after-close"], (s) => {
    let closed = false;
    return {
      close: async () => {
        closed = true;
      },
      get: (k) => (closed ? Promise.resolve(null) : s.get(k)),
    };
  }),
  broken("operations work before start", ["lifecycle.before-start"], (s) => ({
    get: async (k) => (s.started ? s.get(k) : null),
  })),
  broken("close() not idempotent", ["lifecycle.after-close"], (s) => {
    let closes = 0;
    return {
      close: () => (++closes > 1 ? Promise.reject(new Error("already closed")) : s.close()),
    };
  }),
  broken("namespaces ignored", ["listing.namespace-isolation"], () => ({
    start: () => sharedInner.start(),
    close: async () => undefined,
    set: (k, v, ttl, o) => sharedInner.set(k, v, ttl, o),
    mset: (e) => sharedInner.mset(e),
    get: (k) => sharedInner.get(k),
    mget: (k) => sharedInner.mget(k),
    expire: (k, t) => sharedInner.expire(k, t),
    keys: (p) => sharedInner.keys(p),
    delete: (k) => sharedInner.delete(k),
  })),
  broken("expired keys still listed", ["listing.expired-excluded"], (s) => {
    const everWritten = new Set<string>();
    return {
      set: async (k, v, ttl, o) => {
        await s.set(k, v, ttl, o);
        everWritten.add(k);
      },
      keys: async (p) => [
        ...new Set([...(await s.keys(p)), ...[...everWritten].filter((k) => k.startsWith(p))]),
      ],
    };
  }),
  broken("delete removes every key the given key is a prefix of", ["delete.exact-keys-only"], (s) => ({
    delete: async (keys) => {
      const all = await s.keys("");
      await s.delete(all.filter((k) => keysOf(keys).some((prefix) => k.startsWith(prefix))));
    },
  })),
];
