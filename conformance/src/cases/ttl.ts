import {
  assert,
  assertAllMissing,
  assertMissing,
  assertSameKeys,
  bytes,
  call,
  rejectsWithCode,
  sleep,
  sleepUntil,
  text,
} from "../expect.js";
import type { ConformanceCase } from "../types.js";

const DAY_MS = 24 * 60 * 60 * 1000;

export const ttlCases: ConformanceCase[] = [
  {
    id: "ttl.invalid",
    title: "TTLs that are not finite numbers > 0 reject with ERR_INVALID_ARGUMENT and write nothing",
    async run({ store }) {
      const invalid: unknown[] = [
        0,
        -1,
        -0.5,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        "1000",
        null,
        undefined,
        10n,
      ];
      for (const ttl of invalid) {
        const t = ttl as number;
        const label = typeof ttl === "bigint" ? "10n" : String(ttl);
        await rejectsWithCode(
          call(() => store.set("k", bytes("v"), t)),
          "ERR_INVALID_ARGUMENT",
          `set ttl ${label}`,
        );
        await rejectsWithCode(
          call(() => store.mset([{ key: "k", value: bytes("v"), ttlMs: t }])),
          "ERR_INVALID_ARGUMENT",
          `mset ttl ${label}`,
        );
        await rejectsWithCode(
          call(() => store.expire(["k"], t)),
          "ERR_INVALID_ARGUMENT",
          `expire ttl ${label}`,
        );
      }
      assertSameKeys(await store.keys(""), [], "nothing written");
    },
  },
  {
    id: "ttl.expires",
    title: "a record is gone from get, mget and keys once its TTL (plus declared lag) has elapsed",
    async run({ store, timing }) {
      await store.set("short", bytes("v"), timing.shortTtlMs);
      await store.mset([{ key: "short-batch", value: bytes("v"), ttlMs: timing.shortTtlMs }]);
      await sleep(timing.goneByMs(timing.shortTtlMs));
      assertMissing(await store.get("short"), "get after expiry");
      assertAllMissing(await store.mget(["short", "short-batch"]), 2, "mget after expiry");
      assertSameKeys(await store.keys(""), [], "keys after expiry");
    },
  },
  {
    id: "ttl.never-early",
    title: "a record is never gone before its TTL has elapsed",
    async run({ store, timing }) {
      const ttl = timing.shortTtlMs * 2;
      const t0 = performance.now();
      await store.set("k", bytes("v"), ttl);
      await store.mset([{ key: "m", value: bytes("w"), ttlMs: ttl }]);
      const checkpoints = [0.1, 0.3, 0.5].map((f) => (timing.stillThereAtMs(ttl) * f) / 0.5);
      for (const at of checkpoints) {
        await sleepUntil(t0, at);
        const elapsed = performance.now() - t0;
        if (elapsed >= ttl - 50) break; // the machine stalled past the TTL; later reads prove nothing
        assert.equal(text(await store.get("k")), "v", `get at ${Math.round(elapsed)} ms of ${ttl}`);
        assert.deepEqual(
          (await store.mget(["k", "m"])).map(text),
          ["v", "w"],
          `mget at ${Math.round(elapsed)} ms`,
        );
        assertSameKeys(await store.keys(""), ["k", "m"], `keys at ${Math.round(elapsed)} ms`);
      }
    },
  },
  {
    id: "ttl.fractional-rounds-up",
    title: "fractional and sub-resolution TTLs are accepted and rounded up, never down to zero",
    async run({ store, timing }) {
      const t0 = performance.now();
      await store.set("tiny", bytes("v"), 0.4);
      await store.set("fraction", bytes("v"), timing.shortTtlMs + 0.5);
      await store.expire(["fraction"], timing.shortTtlMs + 0.5);
      await store.mset([{ key: "tiny-batch", value: bytes("v"), ttlMs: 0.001 }]);
      const at = performance.now() - t0;
      if (at < timing.stillThereAtMs(timing.shortTtlMs)) {
        assert.equal(text(await store.get("fraction")), "v", "present before its TTL");
      }
      await sleep(timing.goneByMs(timing.shortTtlMs + 0.5));
      assertAllMissing(await store.mget(["tiny", "fraction", "tiny-batch"]), 3, "all gone");
    },
  },
  {
    id: "ttl.overwrite-resets",
    title: "set replaces the TTL: short→long survives the short TTL, long→short does not",
    async run({ store, timing }) {
      await store.set("extended", bytes("1"), timing.shortTtlMs);
      await store.set("extended", bytes("2"), timing.longTtlMs);
      await store.set("shortened", bytes("1"), timing.longTtlMs);
      await store.set("shortened", bytes("2"), timing.shortTtlMs);
      await sleep(timing.goneByMs(timing.shortTtlMs));
      assert.equal(text(await store.get("extended")), "2", "extended by overwrite");
      assertMissing(await store.get("shortened"), "shortened by overwrite");
    },
  },
  {
    id: "ttl.long",
    title: "TTLs of 31 and 365 days are accepted and the records are readable",
    async run({ store }) {
      await store.set("month", bytes("31d"), 31 * DAY_MS);
      await store.mset([{ key: "year", value: bytes("365d"), ttlMs: 365 * DAY_MS }]);
      await store.set("year", bytes("365d!"), 365 * DAY_MS, { onlyIfExists: true });
      await store.expire(["month"], 31 * DAY_MS + 1);
      assert.deepEqual((await store.mget(["month", "year"])).map(text), ["31d", "365d!"]);
      assertSameKeys(await store.keys(""), ["month", "year"], "listed");
    },
  },
  {
    id: "ttl.range-rejects-beyond-max",
    title:
      "TTLs past 365 days reject with ERR_INVALID_ARGUMENT naming ttlMs in set, mset and expire, and change nothing",
    async run({ store }) {
      await store.set("kept", bytes("v"), 60_000);
      const beyond = [
        365 * DAY_MS + 1,
        10 * 365 * DAY_MS,
        200 * 365 * DAY_MS,
        Number.MAX_SAFE_INTEGER,
        1e300,
      ];
      for (const ttl of beyond) {
        const attempts: [string, () => Promise<unknown>][] = [
          ["set", () => store.set("k", bytes("v"), ttl)],
          ["set onlyIfExists", () => store.set("kept", bytes("w"), ttl, { onlyIfExists: true })],
          ["mset", () => store.mset([{ key: "k", value: bytes("v"), ttlMs: ttl }])],
          ["expire", () => store.expire(["kept"], ttl)],
        ];
        for (const [what, attempt] of attempts) {
          let message = "";
          await rejectsWithCode(
            call(attempt).catch((error: unknown) => {
              message = error instanceof Error ? error.message : String(error);
              throw error;
            }),
            "ERR_INVALID_ARGUMENT",
            `${what} ttl ${ttl}`,
          );
          assert.ok(message.includes("ttlMs"), `${what} ttl ${ttl}: the message names ttlMs: ${message}`);
        }
      }
      assert.equal(text(await store.get("kept")), "v", "the existing record is unchanged");
      assertSameKeys(await store.keys(""), ["kept"], "nothing written");
    },
  },
];
