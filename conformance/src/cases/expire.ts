import { assert, assertBytes, assertSameKeys, bytes, sleep, text } from "../expect.js";
import type { ConformanceCase } from "../types.js";

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
