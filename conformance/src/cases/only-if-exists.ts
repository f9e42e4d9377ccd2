import {
  assert,
  assertMissing,
  assertSameKeys,
  bytes,
  call,
  rejectsWithCode,
  sleep,
  text,
} from "../expect.js";
import { timed, written } from "../stamps.js";
import type { ConformanceCase } from "../types.js";

export const onlyIfExistsCases: ConformanceCase[] = [
  {
    id: "only-if-exists.existing",
    title: "set with onlyIfExists replaces the value and TTL of an existing key",
    async run({ store, timing, checkpoints }) {
      await store.set("k", bytes("old"), timing.longTtlMs);
      const { stamp } = await timed(() =>
        store.set("k", bytes("new"), timing.shortTtlMs, { onlyIfExists: true }),
      );
      await checkpoints.stillThere(
        "the value was replaced",
        written(stamp, timing.shortTtlMs),
        () => store.get("k"),
        (v) => assert.equal(text(v), "new", "the value was replaced"),
      );
      await checkpoints.gone(
        stamp,
        timing.shortTtlMs,
        () => store.get("k"),
        (v) => assert.equal(v, null, "the TTL was replaced too"),
      );
    },
  },
  {
    id: "only-if-exists.missing",
    title: "set with onlyIfExists leaves a missing key absent, silently",
    async run({ store }) {
      await store.set("k", bytes("v"), 60_000, { onlyIfExists: true });
      assertMissing(await store.get("k"), "get after set with onlyIfExists");
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
      assertMissing(await store.get("k"), "get");
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
      assertMissing(await store.get("k"), "get after set with onlyIfExists");
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
