import { assert, assertBytes, assertSameKeys, bytes, call, rejectsWithCode, sleep, text } from "../expect.js";
import type { ConformanceCase } from "../types.js";

export const onlyIfExistsCases: ConformanceCase[] = [
  {
    id: "only-if-exists.existing",
    title: "set with onlyIfExists replaces the value and TTL of an existing key",
    async run({ store, timing }) {
      await store.set("k", bytes("old"), timing.longTtlMs);
      await store.set("k", bytes("new"), timing.shortTtlMs, { onlyIfExists: true });
      assert.equal(text(await store.get("k")), "new");
      await sleep(timing.goneByMs(timing.shortTtlMs));
      assert.equal(await store.get("k"), null, "the TTL was replaced too");
    },
  },
  {
    id: "only-if-exists.missing",
    title: "set with onlyIfExists leaves a missing key absent, silently",
    async run({ store }) {
      await store.set("k", bytes("v"), 60_000, { onlyIfExists: true });
      assert.equal(await store.get("k"), null);
      assertSameKeys(await store.keys(""), [], "not listed");
      await store.set("k", bytes("v"), 60_000, { onlyIfExists: false });
      assert.equal(text(await store.get("k")), "v", "onlyIfExists: false is a plain upsert");
    },
  },
  {
    id: "only-if-exists.expired",
    title: "set with onlyIfExists leaves an expired key absent",
    async run({ store, timing }) {
      await store.set("k", bytes("v"), timing.shortTtlMs);
      await sleep(timing.goneByMs(timing.shortTtlMs));
      await store.set("k", bytes("resurrected"), 60_000, { onlyIfExists: true });
      assert.equal(await store.get("k"), null, "get");
      assertSameKeys(await store.keys(""), [], "keys");
    },
  },
  {
    id: "only-if-exists.deleted",
    title: "set with onlyIfExists leaves a deleted key absent",
    async run({ store }) {
      await store.set("k", bytes("v"), 60_000);
      await store.delete(["k"]);
      await store.set("k", bytes("resurrected"), 60_000, { onlyIfExists: true });
      assert.equal(await store.get("k"), null);
    },
  },
  {
    id: "only-if-exists.options-checked",
    title: "malformed set options reject with ERR_INVALID_ARGUMENT",
    async run({ store }) {
      await rejectsWithCode(
        call(() => store.set("k", bytes("v"), 1000, "yes" as never)),
        "ERR_INVALID_ARGUMENT",
        "options 'yes'",
      );
      await rejectsWithCode(
        call(() => store.set("k", bytes("v"), 1000, { onlyIfExists: "true" as never })),
        "ERR_INVALID_ARGUMENT",
        "onlyIfExists 'true'",
      );
      assertSameKeys(await store.keys(""), [], "nothing written");
    },
  },
];

export const msetCases: ConformanceCase[] = [
  {
    id: "mset.mixed-ttls",
    title: "mset entries keep their own TTLs",
    async run({ store, timing }) {
      await store.mset([
        { key: "short", value: bytes("s"), ttlMs: timing.shortTtlMs },
        { key: "long", value: bytes("l"), ttlMs: timing.longTtlMs },
      ]);
      assert.deepEqual((await store.mget(["short", "long"])).map(text), ["s", "l"]);
      await sleep(timing.goneByMs(timing.shortTtlMs));
      assert.deepEqual((await store.mget(["short", "long"])).map(text), [null, "l"]);
    },
  },
  {
    id: "mset.repeated-key-last-wins",
    title: "a key repeated in one mset takes the last entry's value and TTL",
    async run({ store, timing }) {
      await store.mset([
        { key: "k", value: bytes("first"), ttlMs: timing.longTtlMs },
        { key: "other", value: bytes("o"), ttlMs: timing.longTtlMs },
        { key: "k", value: bytes("last"), ttlMs: timing.shortTtlMs },
      ]);
      assert.equal(text(await store.get("k")), "last");
      await sleep(timing.goneByMs(timing.shortTtlMs));
      assert.equal(await store.get("k"), null, "the last entry's TTL applies");
      assert.equal(text(await store.get("other")), "o");
    },
  },
  {
    id: "mset.empty",
    title: "mset([]) resolves and writes nothing",
    async run({ store }) {
      await store.mset([]);
      assertSameKeys(await store.keys(""), [], "nothing written");
    },
  },
  {
    id: "mset.large-batch",
    title: "an mset of 1,000 entries (above any server batch limit) is written completely",
    async run({ store }) {
      const entries = Array.from({ length: 1000 }, (_, i) => ({
        key: `k${i}`,
        value: bytes(`v${i}`),
        ttlMs: 60_000 + i,
      }));
      await store.mset(entries);
      const values = await store.mget(entries.map((e) => e.key));
      values.forEach((v, i) => assertBytes(v, entries[i]!.value, `k${i}`));
    },
  },
  {
    id: "mset.upserts",
    title: "mset overwrites existing keys",
    async run({ store }) {
      await store.set("k", bytes("old"), 60_000);
      await store.mset([{ key: "k", value: bytes("new"), ttlMs: 60_000 }]);
      assert.equal(text(await store.get("k")), "new");
    },
  },
];

export const mgetCases: ConformanceCase[] = [
  {
    id: "mget.order-duplicates-missing",
    title: "mget returns one result per key, in input order, duplicates included, null for missing",
    async run({ store }) {
      await store.mset([
        { key: "a", value: bytes("A"), ttlMs: 60_000 },
        { key: "b", value: bytes("B"), ttlMs: 60_000 },
      ]);
      assert.deepEqual((await store.mget(["b", "missing", "a", "b", "a"])).map(text), [
        "B",
        null,
        "A",
        "B",
        "A",
      ]);
      assert.deepEqual(await store.mget([]), [], "mget([])");
      assert.deepEqual(await store.mget(["nope", "nope"]), [null, null]);
    },
  },
  {
    id: "mget.large",
    title: "an mget of 1,000 keys (above any server batch limit) keeps order",
    async run({ store }) {
      const keys = Array.from({ length: 500 }, (_, i) => `k${i}`);
      await store.mset(keys.map((key) => ({ key, value: bytes(key), ttlMs: 60_000 })));
      const asked = [...keys, ...keys.map((k) => `missing-${k}`)].sort(() => Math.random() - 0.5);
      const values = await store.mget(asked);
      assert.equal(values.length, asked.length);
      values.forEach((v, i) =>
        assert.equal(text(v), asked[i]!.startsWith("missing-") ? null : asked[i], `position ${i}`),
      );
    },
  },
];

export const expireCases: ConformanceCase[] = [
  {
    id: "expire.refresh",
    title: "expire extends an existing key and leaves its value unchanged",
    async run({ store, timing }) {
      const value = Uint8Array.of(0, 1, 2, 255);
      await store.set("k", value, timing.shortTtlMs);
      await store.set("empty", new Uint8Array(0), timing.shortTtlMs);
      await store.expire(["k", "empty"], timing.longTtlMs);
      await sleep(timing.goneByMs(timing.shortTtlMs));
      assertBytes(await store.get("k"), value, "value unchanged and alive");
      assertBytes(await store.get("empty"), new Uint8Array(0), "empty value unchanged and alive");
    },
  },
  {
    id: "expire.shorten",
    title: "expire can shorten a TTL",
    async run({ store, timing }) {
      await store.set("k", bytes("v"), timing.longTtlMs);
      await store.expire(["k"], timing.shortTtlMs);
      await sleep(timing.goneByMs(timing.shortTtlMs));
      assert.equal(await store.get("k"), null);
    },
  },
  {
    id: "expire.missing-ignored",
    title: "expire ignores missing keys and never creates them",
    async run({ store }) {
      await store.set("present", bytes("p"), 60_000);
      await store.expire(["missing", "present", "also-missing"], 60_000);
      assert.deepEqual((await store.mget(["missing", "present", "also-missing"])).map(text), [
        null,
        "p",
        null,
      ]);
      assertSameKeys(await store.keys(""), ["present"], "no key created");
      await store.expire([], 60_000);
    },
  },
  {
    id: "expire.expired-not-resurrected",
    title: "expire on an expired key does not bring it back",
    async run({ store, timing }) {
      await store.set("k", bytes("v"), timing.shortTtlMs);
      await sleep(timing.goneByMs(timing.shortTtlMs));
      await store.expire(["k"], timing.longTtlMs);
      assert.equal(await store.get("k"), null, "get");
      assertSameKeys(await store.keys(""), [], "keys");
    },
  },
];

export const deleteCases: ConformanceCase[] = [
  {
    id: "delete.existing-and-missing",
    title: "delete removes existing keys, ignores missing ones, and delete([]) is a no-op",
    async run({ store }) {
      await store.mset(["a", "b", "c"].map((key) => ({ key, value: bytes(key), ttlMs: 60_000 })));
      await store.delete(["a", "missing", "c", "a"]);
      assert.deepEqual((await store.mget(["a", "b", "c"])).map(text), [null, "b", null]);
      assertSameKeys(await store.keys(""), ["b"], "keys after delete");
      await store.delete([]);
      assertSameKeys(await store.keys(""), ["b"], "delete([]) changed nothing");
    },
  },
  {
    id: "delete.large",
    title: "delete of 1,000 keys removes them all",
    async run({ store }) {
      const keys = Array.from({ length: 1000 }, (_, i) => `d${i}`);
      await store.mset(keys.map((key) => ({ key, value: bytes(""), ttlMs: 60_000 })));
      await store.delete(keys);
      assertSameKeys(await store.keys(""), [], "all deleted");
    },
  },
];
