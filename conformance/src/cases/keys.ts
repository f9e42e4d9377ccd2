import { assert, assertSameKeys, bytes, call, rejectsWithCode, text } from "../expect.js";
import type { ConformanceCase } from "../types.js";
import { everyOperation } from "./lifecycle.js";

/** Characters that break naive backends: glob and regex syntax, escapes, separators, quotes. */
const AWKWARD_KEYS = [
  "with space",
  "a/b/c",
  "star*",
  "question?",
  "[bracket]",
  "back\\slash",
  "percent%20",
  "colon:colon",
  "quote\"double'single`",
  "regex.^$+(|){1}",
  "tab\tand\nnewline",
  "emoji😀🎉",
  "日本語のキー",
  "ünïcödé",
  "e\u0301", // e + combining acute: must not be normalised to é
  "\u00e9",
  "Case",
  "case",
  "%2F",
  "nul\u0000byte",
];

function byteKey(targetBytes: number, unit: string): string {
  const unitBytes = Buffer.byteLength(unit);
  let key = unit.repeat(Math.floor(targetBytes / unitBytes));
  key += "x".repeat(targetBytes - Buffer.byteLength(key));
  return key;
}

export const keyCases: ConformanceCase[] = [
  {
    id: "keys.awkward-characters",
    title: "keys with metacharacters, spaces, quotes, emoji and non-ASCII round-trip exactly",
    async run({ store }) {
      await store.mset(AWKWARD_KEYS.map((key, i) => ({ key, value: bytes(`v${i}`), ttlMs: 60_000 })));
      for (const [i, key] of AWKWARD_KEYS.entries()) {
        assert.equal(text(await store.get(key)), `v${i}`, `get ${JSON.stringify(key)}`);
      }
      const values = await store.mget(AWKWARD_KEYS);
      assert.deepEqual(
        values.map(text),
        AWKWARD_KEYS.map((_, i) => `v${i}`),
        "mget",
      );
      assertSameKeys(await store.keys(""), AWKWARD_KEYS, "keys('')");
    },
  },
  {
    id: "keys.no-normalisation",
    title: "keys differing only in case or Unicode normalisation stay distinct",
    async run({ store }) {
      await store.set("e\u0301", bytes("decomposed"), 60_000);
      await store.set("\u00e9", bytes("composed"), 60_000);
      await store.set("KEY", bytes("upper"), 60_000);
      await store.set("key", bytes("lower"), 60_000);
      assert.equal(text(await store.get("e\u0301")), "decomposed");
      assert.equal(text(await store.get("\u00e9")), "composed");
      assert.equal(text(await store.get("KEY")), "upper");
      assert.equal(text(await store.get("key")), "lower");
      assertSameKeys(await store.keys(""), ["e\u0301", "\u00e9", "KEY", "key"], "keys('')");
    },
  },
  {
    id: "keys.512-bytes",
    title: "keys of 512 UTF-8 bytes (ASCII and multi-byte) work in every operation",
    async run({ store }) {
      const keys = [byteKey(512, "k"), byteKey(512, "é"), byteKey(512, "😀"), byteKey(512, "日")];
      for (const key of keys) assert.equal(Buffer.byteLength(key), 512);
      await store.mset(keys.map((key, i) => ({ key, value: bytes(`v${i}`), ttlMs: 60_000 })));
      assert.deepEqual((await store.mget(keys)).map(text), ["v0", "v1", "v2", "v3"]);
      await store.set(keys[0]!, bytes("w"), 60_000, { onlyIfExists: true });
      await store.expire(keys, 60_000);
      assert.equal(text(await store.get(keys[0]!)), "w");
      assertSameKeys(await store.keys(""), keys, "keys('')");
      await store.delete(keys);
      assertSameKeys(await store.keys(""), [], "keys after delete");
    },
  },
  {
    id: "keys.longest-declared",
    title: "a key of exactly maxKeyBytes works; one byte more rejects with ERR_INVALID_ARGUMENT",
    requires: (c) => (c.maxKeyBytes <= 1_000_000 ? null : "maxKeyBytes above 1 MB is not probed"),
    async run({ store, capabilities }) {
      const longest = byteKey(capabilities.maxKeyBytes, "k");
      await store.set(longest, bytes("v"), 60_000);
      assert.equal(text(await store.get(longest)), "v");
      assertSameKeys(await store.keys(""), [longest], "keys('')");
      const tooLong = `${longest}k`;
      await rejectsWithCode(
        call(() => store.set(tooLong, bytes("v"), 60_000)),
        "ERR_INVALID_ARGUMENT",
        "set too long",
      );
      await rejectsWithCode(
        call(() => store.get(tooLong)),
        "ERR_INVALID_ARGUMENT",
        "get too long",
      );
    },
  },
  {
    id: "keys.invalid-rejected",
    title: "empty, non-string and lone-surrogate keys reject with ERR_INVALID_ARGUMENT and write nothing",
    async run({ store }) {
      const invalid: unknown[] = ["", "\uD800", "a\uDC00b", 42, null, undefined, {}, ["k"]];
      const v = bytes("v");
      for (const key of invalid) {
        const k = key as string;
        const label = JSON.stringify(key) ?? String(key);
        await rejectsWithCode(
          call(() => store.set(k, v, 60_000)),
          "ERR_INVALID_ARGUMENT",
          `set ${label}`,
        );
        await rejectsWithCode(
          call(() =>
            store.mset([
              { key: "ok", value: v, ttlMs: 60_000 },
              { key: k, value: v, ttlMs: 60_000 },
            ]),
          ),
          "ERR_INVALID_ARGUMENT",
          `mset ${label}`,
        );
        await rejectsWithCode(
          call(() => store.get(k)),
          "ERR_INVALID_ARGUMENT",
          `get ${label}`,
        );
        await rejectsWithCode(
          call(() => store.mget(["ok", k])),
          "ERR_INVALID_ARGUMENT",
          `mget ${label}`,
        );
        await rejectsWithCode(
          call(() => store.expire(["ok", k], 60_000)),
          "ERR_INVALID_ARGUMENT",
          `expire ${label}`,
        );
        await rejectsWithCode(
          call(() => store.delete(["ok", k])),
          "ERR_INVALID_ARGUMENT",
          `delete ${label}`,
        );
      }
      for (const list of ["k", null, 7, { length: 1, 0: "k" }]) {
        const l = list as unknown as string[];
        await rejectsWithCode(
          call(() => store.mget(l)),
          "ERR_INVALID_ARGUMENT",
          `mget(${JSON.stringify(list)})`,
        );
        await rejectsWithCode(
          call(() => store.delete(l)),
          "ERR_INVALID_ARGUMENT",
          `delete(${JSON.stringify(list)})`,
        );
        await rejectsWithCode(
          call(() => store.expire(l, 1000)),
          "ERR_INVALID_ARGUMENT",
          `expire(${JSON.stringify(list)})`,
        );
      }
      await rejectsWithCode(
        call(() => store.keys(7 as unknown as string)),
        "ERR_INVALID_ARGUMENT",
        "keys(7)",
      );
      await rejectsWithCode(
        call(() => store.keys("\uD800")),
        "ERR_INVALID_ARGUMENT",
        "keys(lone surrogate)",
      );
      assertSameKeys(await store.keys(""), [], "nothing written by rejected calls");
    },
  },
  {
    id: "keys.validated-before-io",
    title:
      "invalid arguments are rejected before any I/O: on a closed store they still say ERR_INVALID_ARGUMENT",
    async run({ newStore }) {
      const store = await newStore();
      await store.close();
      const v = bytes("v");
      await rejectsWithCode(
        call(() => store.set("", v, 1000)),
        "ERR_INVALID_ARGUMENT",
        "set empty key",
      );
      await rejectsWithCode(
        call(() => store.get("")),
        "ERR_INVALID_ARGUMENT",
        "get empty key",
      );
      await rejectsWithCode(
        call(() => store.set("k", v, 0)),
        "ERR_INVALID_ARGUMENT",
        "set ttl 0",
      );
      await rejectsWithCode(
        call(() => store.mget([""])),
        "ERR_INVALID_ARGUMENT",
        "mget empty key",
      );
      // And valid calls on the same closed store report the lifecycle, proving the order of checks.
      for (const [name, op] of everyOperation(store))
        await rejectsWithCode(call(op), "ERR_STORE_CLOSED", name);
    },
  },
];
