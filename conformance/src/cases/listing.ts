import { writeSetUp } from "../batches.js";
import { assert, assertBytes, assertMissing, assertSameKeys, bytes, sleep, text } from "../expect.js";
import type { ConformanceCase } from "../types.js";

export const listingCases: ConformanceCase[] = [
  {
    id: "listing.complete-2000",
    title: "keys(prefix) returns all 2,000 matching keys, each once, and nothing outside the prefix",
    async run({ store, checkpoints }) {
      const wanted = Array.from({ length: 2000 }, (_, i) => `bulk/${i}`);
      const others = Array.from({ length: 50 }, (_, i) => `bulkier/${i}`);
      const entries = [...wanted, ...others].map((key) => ({ key, value: bytes(""), ttlMs: 120_000 }));
      if (!(await writeSetUp(checkpoints, store, entries))) return;
      assertSameKeys(await store.keys("bulk/"), wanted, "keys('bulk/')");
      assertSameKeys(await store.keys("bulkier/"), others, "keys('bulkier/')");
      assert.equal((await store.keys("")).length, 2050, "keys('') counts every key once");
    },
  },
  {
    id: "listing.literal-metacharacters",
    title: "glob and regex metacharacters in the prefix are literal",
    async run({ store }) {
      const keys = [
        "a*1",
        "ab1",
        "a?1",
        "ax1",
        "a[b]1",
        "ab]1",
        "a\\1",
        "a%1",
        "a.1",
        "a^1",
        "a$1",
        "a(1",
        "a|1",
        "a+1",
        "a{1",
        "a_1",
      ];
      await store.mset(keys.map((key) => ({ key, value: bytes(key), ttlMs: 60_000 })));
      for (const key of keys) {
        const prefix = key.slice(0, -1);
        const expected = keys.filter((k) => k.startsWith(prefix));
        assertSameKeys(await store.keys(prefix), expected, `keys(${JSON.stringify(prefix)})`);
      }
      assertSameKeys(await store.keys("a*"), ["a*1"], "a* is not a glob");
      assertSameKeys(await store.keys("a["), ["a[b]1"], "a[ is not a class");
      assertSameKeys(await store.keys("*"), [], "* matches nothing literal");
      assertSameKeys(await store.keys("."), [], ". matches nothing literal");
    },
  },
  {
    id: "listing.expired-excluded",
    title: "keys() excludes expired keys",
    async run({ store, timing }) {
      await store.set("live", bytes("1"), timing.longTtlMs);
      await store.set("dying", bytes("2"), timing.shortTtlMs);
      await sleep(timing.goneByMs(timing.shortTtlMs));
      assertSameKeys(await store.keys(""), ["live"], "keys('') after expiry");
      assertSameKeys(await store.keys("dy"), [], "keys('dy') after expiry");
    },
  },
  {
    id: "listing.whole-namespace",
    title: `keys("") lists exactly this store's namespace; a prefix matching nothing returns []`,
    async run({ store }) {
      await store.mset(["x", "y/z", "sessions/a/b"].map((key) => ({ key, value: bytes(""), ttlMs: 60_000 })));
      assertSameKeys(await store.keys(""), ["x", "y/z", "sessions/a/b"], "keys('')");
      assertSameKeys(await store.keys("nothing-here"), [], "keys('nothing-here')");
      assertSameKeys(await store.keys("sessions/a/b/"), [], "a prefix longer than the key");
      assertSameKeys(await store.keys("sessions/a/b"), ["sessions/a/b"], "the key itself as prefix");
    },
  },
  {
    id: "listing.namespace-isolation",
    title: "two stores with different namespaces never see each other's keys",
    async run({ store, newStore }) {
      const other = await newStore();
      await store.mset([
        { key: "shared-name", value: bytes("mine"), ttlMs: 60_000 },
        { key: "only-mine", value: bytes("1"), ttlMs: 60_000 },
      ]);
      await other.set("shared-name", bytes("theirs"), 60_000);
      assert.equal(text(await store.get("shared-name")), "mine");
      assert.equal(text(await other.get("shared-name")), "theirs");
      assertMissing(await other.get("only-mine"), "get in another namespace");
      assertSameKeys(await other.keys(""), ["shared-name"], "other keys('')");
      assertSameKeys(await store.keys(""), ["shared-name", "only-mine"], "own keys('')");
      await other.delete(["shared-name", "only-mine"]);
      assert.equal(text(await store.get("shared-name")), "mine", "delete in another namespace");
      assertBytes(await store.get("only-mine"), bytes("1"), "delete in another namespace");
      await other.expire(["only-mine"], 1);
      assertBytes(await store.get("only-mine"), bytes("1"), "expire in another namespace");
    },
  },
];
