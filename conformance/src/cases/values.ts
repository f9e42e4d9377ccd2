import { randomBytes } from "node:crypto";
import {
  assert,
  assertBytes,
  assertMissing,
  assertSameKeys,
  bytes,
  call,
  rejectsWithCode,
  text,
} from "../expect.js";
import type { ConformanceCase } from "../types.js";

const KIB = 1024;

export const valueCases: ConformanceCase[] = [
  {
    id: "values.all-bytes",
    title: "all 256 byte values round-trip through set/get and mset/mget",
    async run({ store }) {
      const every = Uint8Array.from({ length: 512 }, (_, i) => i % 256);
      await store.set("all", every, 60_000);
      assertBytes(await store.get("all"), every, "get");
      const reversed = every.slice().reverse();
      await store.mset([{ key: "rev", value: reversed, ttlMs: 60_000 }]);
      const [a, b] = await store.mget(["all", "rev"]);
      assertBytes(a, every, "mget all");
      assertBytes(b, reversed, "mget rev");
      const utf8Invalid = Uint8Array.of(0xff, 0xfe, 0xc3, 0x28, 0x00, 0xed, 0xa0, 0x80);
      await store.set("invalid-utf8", utf8Invalid, 60_000);
      assertBytes(await store.get("invalid-utf8"), utf8Invalid, "bytes that are not UTF-8");
    },
  },
  {
    id: "values.empty-is-not-missing",
    title: "the empty value round-trips as a zero-length Uint8Array, not null",
    async run({ store }) {
      await store.set("empty", new Uint8Array(0), 60_000);
      assertBytes(await store.get("empty"), new Uint8Array(0), "get");
      const [value, missing] = await store.mget(["empty", "missing"]);
      assertBytes(value, new Uint8Array(0), "mget");
      assertMissing(missing, "a missing key is null");
      await store.set("empty", new Uint8Array(0), 60_000, { onlyIfExists: true });
      assertBytes(await store.get("empty"), new Uint8Array(0), "onlyIfExists keeps it");
      await store.expire(["empty"], 60_000);
      assertBytes(await store.get("empty"), new Uint8Array(0), "after expire");
      assertSameKeys(await store.keys(""), ["empty"], "listed");
      await store.set("empty", bytes("now full"), 60_000, { onlyIfExists: true });
      assert.equal(text(await store.get("empty")), "now full", "an empty value counts as existing");
    },
  },
  {
    id: "values.256-kib",
    title: "a 256 KiB random value round-trips",
    async run({ store }) {
      const big = randomBytes(256 * KIB);
      await store.set("big", big, 60_000);
      assertBytes(await store.get("big"), big, "get");
      assertBytes((await store.mget(["big"]))[0], big, "mget");
    },
  },
  {
    id: "values.largest-declared",
    title: "a value of exactly maxValueBytes round-trips",
    requires: (c) => (c.maxValueBytes <= 32 * KIB * KIB ? null : "maxValueBytes above 32 MiB is not probed"),
    async run({ store, capabilities }) {
      const largest = randomBytes(capabilities.maxValueBytes);
      await store.set("largest", largest, 60_000);
      assertBytes(await store.get("largest"), largest, "get");
    },
  },
  {
    id: "values.too-large",
    title: "a value over maxValueBytes rejects with ERR_VALUE_TOO_LARGE and writes nothing",
    requires: (c) => (c.maxValueBytes <= 32 * KIB * KIB ? null : "maxValueBytes above 32 MiB is not probed"),
    async run({ store, capabilities }) {
      const tooLarge = new Uint8Array(capabilities.maxValueBytes + 1);
      await store.set("kept", bytes("old"), 60_000);
      await rejectsWithCode(
        call(() => store.set("kept", tooLarge, 60_000)),
        "ERR_VALUE_TOO_LARGE",
        "set over existing",
      );
      await rejectsWithCode(
        call(() => store.set("new", tooLarge, 60_000)),
        "ERR_VALUE_TOO_LARGE",
        "set new",
      );
      await rejectsWithCode(
        call(() =>
          store.mset([
            { key: "batch-ok", value: bytes("fine"), ttlMs: 60_000 },
            { key: "batch-big", value: tooLarge, ttlMs: 60_000 },
          ]),
        ),
        "ERR_VALUE_TOO_LARGE",
        "mset with one oversized entry",
      );
      assert.equal(text(await store.get("kept")), "old", "the old value is untouched, not truncated");
      assertSameKeys(
        await store.keys(""),
        ["kept"],
        "nothing else written, not even the batch's valid entry",
      );
    },
  },
  {
    id: "values.copied-in-and-out",
    title: "mutating a buffer after set or after get never changes what is stored",
    async run({ store }) {
      const input = bytes("original");
      await store.set("k", input, 60_000);
      input.fill(0x21);
      assert.equal(text(await store.get("k")), "original", "copy in (set)");
      const batch = bytes("batched");
      await store.mset([{ key: "m", value: batch, ttlMs: 60_000 }]);
      batch.fill(0x21);
      assert.equal(text(await store.get("m")), "batched", "copy in (mset)");
      const out = (await store.get("k"))!;
      out.fill(0x3f);
      assert.equal(text(await store.get("k")), "original", "copy out (get)");
      const [first, second] = await store.mget(["k", "k"]);
      first!.fill(0x3f);
      assert.equal(text(second!), "original", "repeated mget keys yield independent buffers");
      assert.equal(text(await store.get("k")), "original", "copy out (mget)");
    },
  },
  {
    id: "values.type-checked",
    title: "values that are not Uint8Array reject with ERR_INVALID_ARGUMENT",
    async run({ store }) {
      const wrong: unknown[] = ["text", 42, null, undefined, new ArrayBuffer(4), [1, 2], { length: 0 }];
      for (const value of wrong) {
        const label = value instanceof ArrayBuffer ? "ArrayBuffer" : (JSON.stringify(value) ?? String(value));
        await rejectsWithCode(
          call(() => store.set("k", value as Uint8Array, 60_000)),
          "ERR_INVALID_ARGUMENT",
          `set ${label}`,
        );
        await rejectsWithCode(
          call(() => store.mset([{ key: "k", value: value as Uint8Array, ttlMs: 60_000 }])),
          "ERR_INVALID_ARGUMENT",
          `mset ${label}`,
        );
      }
      await store.set("buffer", Buffer.from("a Buffer is a Uint8Array"), 60_000);
      assert.equal(text(await store.get("buffer")), "a Buffer is a Uint8Array");
      assertSameKeys(await store.keys(""), ["buffer"], "nothing written by rejected calls");
    },
  },
];
