import { assert, assertMissing, assertSameKeys, bytes, text } from "../expect.js";
import type { ConformanceCase } from "../types.js";

const ROUNDS = 40;

/** Rounds racing at once: 8 × 2 calls in flight stay within any client's connection pool. */
const ROUNDS_AT_ONCE = 8;

/**
 * Runs the rounds of a race, {@link ROUNDS_AT_ONCE} side by side. Each round races on a key of its
 * own, so together they try the same interleavings as one after another, while the case's time no
 * longer grows with 40 round trips in sequence: those outlasted the 60 s case limit on DynamoDB
 * Local at a load of 30. All 40 at once opened too many connections at the same moment instead.
 */
async function everyRound(race: (round: number) => Promise<void>): Promise<void> {
  for (let first = 0; first < ROUNDS; first += ROUNDS_AT_ONCE) {
    const wave = Array.from({ length: Math.min(ROUNDS_AT_ONCE, ROUNDS - first) }, (_, i) => first + i);
    await Promise.all(wave.map((round) => race(round)));
  }
}

export const concurrencyCases: ConformanceCase[] = [
  {
    id: "concurrency.parallel-writers",
    title: "parallel writers to one key end with exactly one of the written values",
    async run({ store }) {
      const written = Array.from({ length: 50 }, (_, i) => `value-${i}-${"x".repeat(i * 10)}`);
      await Promise.all(
        written.map((v, i) =>
          i % 2 === 0
            ? store.set("k", bytes(v), 60_000)
            : store.mset([{ key: "k", value: bytes(v), ttlMs: 60_000 }]),
        ),
      );
      const final = text(await store.get("k"));
      assert.ok(
        final !== null && written.includes(final),
        `final value ${JSON.stringify(final?.slice(0, 20))} is one of the written ones, not a mix`,
      );
      assertSameKeys(await store.keys(""), ["k"], "one key");
    },
  },
  {
    id: "concurrency.only-if-exists-vs-delete",
    title: "onlyIfExists racing delete never resurrects the key",
    async run({ store }) {
      await everyRound(async (round) => {
        const key = `k${round}`;
        await store.set(key, bytes("v"), 60_000);
        const replace = store.set(key, bytes("replaced"), 60_000, { onlyIfExists: true });
        const remove = store.delete([key]);
        // Whatever the order, the key ends absent: delete-then-replace is a no-op and
        // replace-then-delete removes it. Only a read-then-write replace can bring it back.
        await Promise.all(round % 2 === 0 ? [replace, remove] : [remove, replace]);
        assertMissing(await store.get(key), `round ${round}: key resurrected`);
      });
    },
  },
  {
    id: "concurrency.expire-vs-delete",
    title: "expire racing delete never resurrects the key",
    async run({ store }) {
      await everyRound(async (round) => {
        const key = `k${round}`;
        await store.set(key, bytes("v"), 60_000);
        await Promise.all([store.expire([key], 120_000), store.delete([key])]);
        assertMissing(await store.get(key), `round ${round}: key resurrected`);
      });
      assertSameKeys(await store.keys(""), [], "nothing left");
    },
  },
  {
    id: "concurrency.expire-vs-set",
    title: "expire racing a set keeps the value of the set",
    async run({ store }) {
      await everyRound(async (round) => {
        const key = `k${round}`;
        await store.set(key, bytes("old"), 60_000);
        await Promise.all([store.expire([key], 120_000), store.set(key, bytes("new"), 60_000)]);
        assert.equal(text(await store.get(key)), "new", `round ${round}: expire overwrote a concurrent set`);
      });
    },
  },
];
