import {
  assert,
  assertBytes,
  assertMissing,
  assertSameKeys,
  bytes,
  sleep,
  sleepUntil,
  text,
} from "../expect.js";
import { type Stamp, timed } from "../stamps.js";
import type { ConformanceCase } from "../types.js";

export const expireCases: ConformanceCase[] = [
  {
    id: "expire.refresh",
    title: "expire extends an existing key and leaves its value unchanged",
    async run({ store, timing, checkpoints }) {
      const value = Uint8Array.of(0, 1, 2, 255);
      let short = 0;
      let keys: [string, string] = ["k", "empty"];
      let extendedAt: Stamp | undefined;
      // The expire must provably reach the server before the first TTL runs out; a stall that
      // delays it past that leaves an expired key the expire rightly ignores, so try again on
      // fresh keys with twice the TTL (2 s, 4 s, 8 s).
      const ready = await checkpoints.setUp(
        "the expire reached the server within the first TTL",
        async (n) => {
          short = Math.max(2_000, timing.shortTtlMs * 2) * 2 ** (n - 1);
          keys = [`k${n}`, `empty${n}`];
          const { stamp: setAt } = await timed(async () => {
            await store.set(keys[0], value, short);
            await store.set(keys[1], new Uint8Array(0), short);
          });
          extendedAt = (await timed(() => store.expire(keys, timing.longTtlMs))).stamp;
          return extendedAt.resolvedAt < setAt.issuedAt + short;
        },
      );
      if (!ready || extendedAt === undefined) return;
      await sleepUntil(extendedAt.resolvedAt, timing.goneByMs(short));
      assertBytes(await store.get(keys[0]), value, "value unchanged and alive");
      assertBytes(await store.get(keys[1]), new Uint8Array(0), "empty value unchanged and alive");
    },
  },
  {
    id: "expire.shorten",
    title: "expire can shorten a TTL",
    async run({ store, timing }) {
      await store.set("k", bytes("v"), timing.longTtlMs);
      await store.expire(["k"], timing.shortTtlMs);
      await sleep(timing.goneByMs(timing.shortTtlMs));
      assertMissing(await store.get("k"), "get after the shortened TTL");
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
      assertMissing(await store.get("k"), "get");
      assertSameKeys(await store.keys(""), [], "keys");
    },
  },
];
