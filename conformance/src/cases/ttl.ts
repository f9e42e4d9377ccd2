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
import { extended, timed, written } from "../stamps.js";
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
    async run({ store, timing, checkpoints }) {
      // A stall that outlasts the TTL before the first read leaves nothing provable: start over
      // on fresh keys with twice the TTL (2 s, 4 s, 8 s) before the case is reported as skipped.
      for (let attempt = 1; attempt <= 3; attempt++) {
        const ttl = Math.max(2_000, timing.shortTtlMs * 2) * 2 ** (attempt - 1);
        const [k, m] = [`k${attempt}`, `m${attempt}`];
        const { stamp } = await timed(async () => {
          await store.set(k, bytes("v"), ttl);
          await store.mset([{ key: m, value: bytes("w"), ttlMs: ttl }]);
        });
        const alive = written(stamp, ttl);
        let proven = false;
        for (const fraction of [0.1, 0.3, 0.6, 0.85]) {
          await sleepUntil(stamp.issuedAt, ttl * fraction);
          const at = `${Math.round(fraction * 100)}% of ${ttl} ms`;
          const reads = [
            await checkpoints.stillThere(
              `get at ${at}`,
              alive,
              () => store.get(k),
              (v) => assert.equal(text(v), "v", `get at ${at}`),
            ),
            await checkpoints.stillThere(
              `mget at ${at}`,
              alive,
              () => store.mget([k, m]),
              (v) => assert.deepEqual(v.map(text), ["v", "w"], `mget at ${at}`),
            ),
            await checkpoints.stillThere(
              `keys at ${at}`,
              alive,
              () => store.keys(""),
              (v) => assertSameKeys(v, [k, m], `keys at ${at}`),
            ),
          ];
          if (reads.some((r) => r.counted)) proven = true;
          // Past the deadline every later read proves nothing either.
          if (reads.some((r) => !r.counted)) break;
        }
        await store.delete([k, m]);
        if (proven) return;
      }
    },
  },
  {
    id: "ttl.fractional-rounds-up",
    title: "fractional and sub-resolution TTLs are accepted and rounded up, never down to zero",
    async run({ store, timing, checkpoints }) {
      const ttl = timing.shortTtlMs + 0.5;
      await store.set("tiny", bytes("v"), 0.4);
      const set = await timed(() => store.set("fraction", bytes("v"), ttl));
      const expire = await timed(() => store.expire(["fraction"], ttl));
      const last = await timed(() => store.mset([{ key: "tiny-batch", value: bytes("v"), ttlMs: 0.001 }]));
      const alive = extended(written(set.stamp, ttl), expire.stamp, ttl);
      await checkpoints.stillThere(
        "present before its TTL",
        alive,
        () => store.get("fraction"),
        (v) => assert.equal(text(v), "v", "present before its TTL"),
      );
      await checkpoints.gone(
        last.stamp,
        ttl,
        () => store.mget(["tiny", "fraction", "tiny-batch"]),
        (v) => assert.deepEqual(v, [null, null, null], "all gone"),
      );
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
