import type { SessionKVStore } from "@sessionkv/core";
import {
  assert,
  assertBytes,
  assertMissing,
  assertSameKeys,
  bytes,
  call,
  rejectsWithCode,
  sleepUntil,
  text,
} from "../expect.js";
import { timed, written } from "../stamps.js";
import type { ConformanceCase } from "../types.js";
import { nodeStores } from "./registry-support.js";

/**
 * Atomic claims (core README, "Atomic claims"): `setIfAbsent` creates a key only when it is
 * missing or expired, `deleteIfEquals` deletes only the value the caller holds. Both must be one
 * conditional step on the server, which only races between separate stores can tell apart
 * from a read followed by a write.
 */

const ROUNDS = 25;
const NODES = 4;
/** Claimers per node store: several calls in flight on one connection race as well. */
const CLAIMERS_PER_NODE = 3;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Settles every claim and returns the indexes of the ones that resolved `true`. */
async function winners(claims: readonly Promise<boolean>[]): Promise<number[]> {
  const results = await Promise.all(claims);
  results.forEach((result, i) =>
    assert.equal(typeof result, "boolean", `claim ${i} resolved ${String(result)}, not a boolean`),
  );
  return results.flatMap((won, i) => (won ? [i] : []));
}

function claimers(stores: readonly SessionKVStore[]): SessionKVStore[] {
  return stores.flatMap((store) => Array.from({ length: CLAIMERS_PER_NODE }, () => store));
}

export const claimCases: ConformanceCase[] = [
  {
    id: "claims.one-winner",
    title: "claimers racing on one key from separate stores: exactly one wins, every round",
    async run(context) {
      const stores = claimers(await nodeStores(context, NODES));
      context.note(`${stores.length} claimers over ${new Set(stores).size} store instance(s)`);
      for (let round = 0; round < ROUNDS; round++) {
        const tokens = stores.map((_, i) => bytes(`round-${round}-claimer-${i}`));
        const won = await winners(stores.map((store, i) => store.setIfAbsent("seat", tokens[i]!, 60_000)));
        assert.equal(won.length, 1, `round ${round}: claimers ${JSON.stringify(won)} all won`);
        const holder = won[0]!;
        for (const store of new Set(stores)) {
          assertBytes(
            await store.get("seat"),
            tokens[holder]!,
            `round ${round}: the key holds the winner's value`,
          );
        }
        // Losers release with their own token: it must not free the winner's claim.
        const released = await winners(
          stores.map((store, i) =>
            i === holder ? Promise.resolve(false) : store.deleteIfEquals("seat", tokens[i]!),
          ),
        );
        assert.deepEqual(released, [], `round ${round}: a loser's deleteIfEquals deleted the winner's claim`);
        assertBytes(await context.store.get("seat"), tokens[holder]!, `round ${round}: still the winner's`);
        assert.equal(
          await stores[holder]!.deleteIfEquals("seat", tokens[holder]!),
          true,
          `round ${round}: the winner releases its own claim`,
        );
        assertMissing(await context.store.get("seat"), `round ${round}: released`);
      }
    },
  },
  {
    id: "claims.fresh-keys-one-winner",
    title: "claimers racing on a fresh key per round from separate stores: exactly one wins each",
    async run(context) {
      const stores = claimers(await nodeStores(context, NODES));
      for (let round = 0; round < ROUNDS; round++) {
        const key = `seats/call-${round}/0`;
        const won = await winners(stores.map((store, i) => store.setIfAbsent(key, bytes(`c${i}`), 60_000)));
        assert.equal(won.length, 1, `round ${round}: claimers ${JSON.stringify(won)} all won`);
        assert.equal(text(await context.store.get(key)), `c${won[0]}`, `round ${round}: the winner's value`);
      }
      assertSameKeys(
        await context.store.keys("seats/"),
        Array.from({ length: ROUNDS }, (_, round) => `seats/call-${round}/0`),
        "every claimed key is listed",
      );
    },
  },
  {
    id: "claims.created",
    title: "setIfAbsent creates a missing key like set (get, mget, keys) and refuses an existing one",
    async run({ store }) {
      assert.equal(await store.setIfAbsent("claims/a", bytes("first"), 60_000), true, "missing key claimed");
      assert.equal(await store.setIfAbsent("claims/a", bytes("second"), 60_000), false, "claimed twice");
      assert.equal(text(await store.get("claims/a")), "first", "the first claim's value stays");
      await store.set("claims/b", bytes("written"), 60_000);
      await store.mset([{ key: "claims/c", value: bytes("batched"), ttlMs: 60_000 }]);
      assert.equal(
        await store.setIfAbsent("claims/b", bytes("x"), 60_000),
        false,
        "a set key is not claimable",
      );
      assert.equal(
        await store.setIfAbsent("claims/c", bytes("x"), 60_000),
        false,
        "an mset key is not claimable",
      );
      assert.equal(await store.setIfAbsent("claims/empty", new Uint8Array(0), 60_000), true, "empty value");
      assert.equal(
        await store.setIfAbsent("claims/empty", bytes("x"), 60_000),
        false,
        "an empty value is present",
      );
      assert.deepEqual(
        (await store.mget(["claims/a", "claims/b", "claims/c", "claims/empty"])).map(text),
        ["first", "written", "batched", ""],
        "values unchanged by refused claims",
      );
      assertSameKeys(
        await store.keys("claims/"),
        ["claims/a", "claims/b", "claims/c", "claims/empty"],
        "claimed keys are listed",
      );
      await store.delete(["claims/a"]);
      assert.equal(
        await store.setIfAbsent("claims/a", bytes("again"), 60_000),
        true,
        "a deleted key is claimable",
      );
      assert.equal(text(await store.get("claims/a")), "again", "the new claim's value");
      await store.expire(["claims/a"], 120_000);
      assert.equal(text(await store.get("claims/a")), "again", "a claim is extended like any record");
      assertSameKeys(
        await store.keys("claims/"),
        ["claims/a", "claims/b", "claims/c", "claims/empty"],
        "listed once after the re-claim",
      );
    },
  },
  {
    id: "claims.expired-claimable",
    title: "an expired key (claimed or set) is claimable, and deleteIfEquals never matches it",
    async run({ store, timing }) {
      const claimed = await timed(() => store.setIfAbsent("claimed", bytes("old"), timing.shortTtlMs));
      assert.equal(claimed.value, true, "first claim");
      await store.set("written", bytes("old"), timing.shortTtlMs);
      await sleepUntil(performance.now(), timing.goneByMs(timing.shortTtlMs));
      assert.equal(
        await store.deleteIfEquals("written", bytes("old")),
        false,
        "deleteIfEquals on an expired key",
      );
      for (const key of ["claimed", "written"]) {
        assert.equal(await store.setIfAbsent(key, bytes("new"), 60_000), true, `${key}: expired key claimed`);
        assert.equal(text(await store.get(key)), "new", `${key}: the new claim's value`);
      }
      assertSameKeys(await store.keys(""), ["claimed", "written"], "each listed once");
      assert.equal(
        await store.setIfAbsent("claimed", bytes("newer"), 60_000),
        false,
        "the new claim is live",
      );
    },
  },
  {
    id: "claims.expired-one-winner",
    title: "claimers racing on expired keys from separate stores: exactly one wins each",
    async run(context) {
      const { timing } = context;
      const stores = claimers(await nodeStores(context, NODES));
      // Past the deadline the server may still hold the record (a lease, a reaper, whole
      // seconds): the claimers then race on a conditional write over it, not on a create.
      const keys = Array.from({ length: 8 }, (_, i) => `expired-${i}`);
      await context.store.mset(keys.map((key) => ({ key, value: bytes("old"), ttlMs: timing.shortTtlMs })));
      await sleepUntil(performance.now(), timing.goneByMs(timing.shortTtlMs));
      for (const key of keys) {
        const won = await winners(stores.map((store, i) => store.setIfAbsent(key, bytes(`c${i}`), 60_000)));
        assert.equal(won.length, 1, `${key}: claimers ${JSON.stringify(won)} all won`);
        assert.equal(text(await context.store.get(key)), `c${won[0]}`, `${key}: the winner's value`);
      }
    },
  },
  {
    id: "claims.live-kept",
    title: "setIfAbsent on a live key changes neither its value nor its TTL",
    async run({ store, timing, checkpoints }) {
      const ttl = Math.max(1_000, timing.shortTtlMs * 2);
      await checkpoints.setUp("a claim provably refused while the key was live", async (n) => {
        const key = `held-${n}`;
        const held = await timed(() => store.set(key, bytes("held"), ttl));
        const alive = written(held.stamp, ttl);
        const claim = await timed(() => store.setIfAbsent(key, bytes("other"), timing.longTtlMs));
        // A claim that reached the server only after the holder's TTL may rightly have won.
        if (claim.stamp.resolvedAt >= alive.until) {
          await store.delete([key]);
          return false;
        }
        assert.equal(claim.value, false, "a live key was claimed");
        await checkpoints.stillThere(
          "the holder's value is kept",
          alive,
          () => store.get(key),
          (v) => assert.equal(text(v), "held", "the holder's value is kept"),
        );
        await checkpoints.gone(
          held.stamp,
          ttl,
          () => store.get(key),
          (v) => assertMissing(v, "the holder's TTL was replaced by the refused claim's"),
        );
        return true;
      });
    },
  },
  {
    id: "claims.delete-if-equals",
    title: "deleteIfEquals deletes only a byte-for-byte equal value and reports whether it deleted",
    async run({ store, capabilities }) {
      const held = new Uint8Array([0, 1, 2, 0xff, 0x80, 0]);
      await store.set("k", held, 60_000);
      const others: [string, Uint8Array][] = [
        ["another value", bytes("theirs")],
        ["a prefix", held.subarray(0, 5)],
        ["a longer value", new Uint8Array([...held, 0])],
        ["the last byte changed", new Uint8Array([0, 1, 2, 0xff, 0x80, 1])],
        ["the empty value", new Uint8Array(0)],
      ];
      for (const [what, value] of others) {
        assert.equal(await store.deleteIfEquals("k", value), false, `${what}: reported deleted`);
        assertBytes(await store.get("k"), held, `${what}: the key is left`);
      }
      assert.equal(await store.deleteIfEquals("k", held.slice()), true, "the equal value deletes");
      assertMissing(await store.get("k"), "deleted");
      assertSameKeys(await store.keys(""), [], "no longer listed");
      assert.equal(await store.deleteIfEquals("k", held), false, "a second delete finds nothing");
      assert.equal(await store.deleteIfEquals("never", held), false, "a missing key");
      // The largest value every backend takes, differing only in its last byte.
      const big = new Uint8Array(Math.min(256 * 1024, capabilities.maxValueBytes)).fill(0x5a);
      const almost = big.slice();
      almost[almost.length - 1] = 0x5b;
      assert.equal(await store.setIfAbsent("big", big, 60_000), true, "big claim");
      await store.set("empty", new Uint8Array(0), 60_000);
      assert.equal(await store.deleteIfEquals("big", almost), false, "big: the last byte differs");
      assert.equal(await store.deleteIfEquals("empty", bytes("x")), false, "empty: another value");
      assertSameKeys(await store.keys(""), ["big", "empty"], "both left");
      assert.equal(await store.deleteIfEquals("big", big), true, "big: equal");
      assert.equal(await store.deleteIfEquals("empty", new Uint8Array(0)), true, "empty: equal");
      assertSameKeys(await store.keys(""), [], "both deleted");
    },
  },
  {
    id: "claims.race-delete",
    title: "setIfAbsent racing delete of a live key: it wins exactly when the key ends holding its value",
    async run(context) {
      const [store, other] = await nodeStores(context, 2);
      for (let round = 0; round < ROUNDS; round++) {
        const key = `k${round}`;
        await store!.set(key, bytes("old"), 60_000);
        const claim = other!.setIfAbsent(key, bytes("claim"), 60_000);
        const remove = store!.delete([key]);
        const [won] = await Promise.all([claim, remove]);
        const now = text(await store!.get(key));
        // Claim before delete: refused, then deleted. Delete before claim: claimed, and kept.
        assert.equal(now, won ? "claim" : null, `round ${round}: claim resolved ${won}, key holds ${now}`);
      }
    },
  },
  {
    id: "claims.race-expire",
    title: "setIfAbsent racing expire: expire never creates the key, nor lets a live one be claimed",
    async run(context) {
      const [store, other] = await nodeStores(context, 2);
      for (let round = 0; round < ROUNDS; round++) {
        const absent = `absent-${round}`;
        const [won] = await Promise.all([
          other!.setIfAbsent(absent, bytes("claim"), 60_000),
          store!.expire([absent], 120_000),
        ]);
        assert.equal(won, true, `round ${round}: a missing key was not claimable while expire ran`);
        assert.equal(text(await store!.get(absent)), "claim", `round ${round}: the claim's value`);
        const live = `live-${round}`;
        await store!.set(live, bytes("held"), 60_000);
        const [refused] = await Promise.all([
          other!.setIfAbsent(live, bytes("claim"), 60_000),
          store!.expire([live], 120_000),
        ]);
        assert.equal(refused, false, `round ${round}: a live key being extended was claimed`);
        assert.equal(text(await store!.get(live)), "held", `round ${round}: the holder's value`);
      }
    },
  },
  {
    id: "claims.race-set",
    title: "setIfAbsent racing set: the set's value always stands; onlyIfExists never blocks a claim",
    async run(context) {
      const [store, other] = await nodeStores(context, 2);
      for (let round = 0; round < ROUNDS; round++) {
        const key = `set-${round}`;
        // Set first: the claim is refused. Claim first: the set overwrites it. Never the claim's.
        await Promise.all([
          other!.setIfAbsent(key, bytes("claim"), 60_000),
          store!.set(key, bytes("set"), 60_000),
        ]);
        assert.equal(
          text(await store!.get(key)),
          "set",
          `round ${round}: a claim overwrote a concurrent set`,
        );
        const replaced = `only-${round}`;
        const [won] = await Promise.all([
          other!.setIfAbsent(replaced, bytes("claim"), 60_000),
          store!.set(replaced, bytes("replaced"), 60_000, { onlyIfExists: true }),
        ]);
        assert.equal(won, true, `round ${round}: onlyIfExists on a missing key blocked a claim`);
        const now = text(await store!.get(replaced));
        assert.ok(now === "claim" || now === "replaced", `round ${round}: the key holds ${now}`);
      }
    },
  },
  {
    id: "claims.invalid",
    title: "bad claim arguments reject with ERR_INVALID_ARGUMENT before any I/O (even on a closed store)",
    async run({ store, capabilities, newStore }) {
      const v = bytes("v");
      const longKey = "k".repeat(capabilities.maxKeyBytes + 1);
      const attempts = (s: SessionKVStore): [string, () => Promise<unknown>][] => [
        ["setIfAbsent empty key", () => s.setIfAbsent("", v, 1000)],
        ["setIfAbsent lone surrogate", () => s.setIfAbsent("\uD800", v, 1000)],
        ["setIfAbsent key too long", () => s.setIfAbsent(longKey, v, 1000)],
        ["setIfAbsent key 42", () => s.setIfAbsent(42 as never, v, 1000)],
        ["setIfAbsent string value", () => s.setIfAbsent("k", "v" as never, 1000)],
        ["setIfAbsent ttl 0", () => s.setIfAbsent("k", v, 0)],
        ["setIfAbsent ttl NaN", () => s.setIfAbsent("k", v, Number.NaN)],
        ["setIfAbsent ttl '1000'", () => s.setIfAbsent("k", v, "1000" as never)],
        ["setIfAbsent ttl past 365 days", () => s.setIfAbsent("k", v, 365 * DAY_MS + 1)],
        ["deleteIfEquals empty key", () => s.deleteIfEquals("", v)],
        ["deleteIfEquals key too long", () => s.deleteIfEquals(longKey, v)],
        ["deleteIfEquals null value", () => s.deleteIfEquals("k", null as never)],
        ["deleteIfEquals array value", () => s.deleteIfEquals("k", [1] as never)],
      ];
      await store.set("k", v, 60_000);
      for (const [what, attempt] of attempts(store)) {
        await rejectsWithCode(call(attempt), "ERR_INVALID_ARGUMENT", what);
      }
      assert.equal(text(await store.get("k")), "v", "the existing key is unchanged");
      assertSameKeys(await store.keys(""), ["k"], "nothing written");
      const closed = await newStore();
      await closed.close();
      for (const [what, attempt] of attempts(closed)) {
        await rejectsWithCode(call(attempt), "ERR_INVALID_ARGUMENT", `closed store: ${what}`);
      }
      await rejectsWithCode(
        call(() => closed.setIfAbsent("k", v, 1000)),
        "ERR_STORE_CLOSED",
        "closed store: a valid claim",
      );
      await rejectsWithCode(
        call(() => closed.deleteIfEquals("k", v)),
        "ERR_STORE_CLOSED",
        "closed store: a valid deleteIfEquals",
      );
    },
  },
];
