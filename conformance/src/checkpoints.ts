import { sleep, sleepUntil } from "./expect.js";
import { type Presence, type Stamp, ms, timed } from "./stamps.js";
import type { Timing } from "./timing.js";

/** What a case's timed checkpoints came to: how many counted, and why the others were skipped. */
export interface CheckpointTally {
  readonly counted: number;
  readonly skipped: readonly string[];
}

/**
 * Timed checkpoints whose verdict follows from the timestamps around each operation, so a stalled
 * machine can neither fail a correct store nor pass a broken one by luck. A checkpoint either
 * counts (its assertion runs and may fail the case) or is skipped with the reason the timestamps
 * could not prove it. The runner skips a case whose every checkpoint was skipped.
 */
/** Timer and round-trip jitter of a healthy machine, not counted as a stall. */
const JITTER_MS = 5;

export class Checkpoints {
  #counted = 0;
  readonly #skipped: string[] = [];

  constructor(private readonly timing: Timing) {}

  tally(): CheckpointTally {
    return { counted: this.#counted, skipped: [...this.#skipped] };
  }

  /** Records a checkpoint the timestamps cannot prove. */
  skip(what: string, reason: string): void {
    this.#skipped.push(`${what}: ${reason}`);
  }

  /**
   * A read that must see the record: it counts only if it was issued once the write had certainly
   * been applied and resolved before the record's TTL could have run out.
   */
  async stillThere<T>(
    what: string,
    presence: Presence,
    read: () => Promise<T>,
    check: (value: T) => void,
  ): Promise<{ counted: boolean; stamp: Stamp }> {
    const { value, stamp } = await timed(read);
    if (stamp.issuedAt < presence.from || stamp.resolvedAt >= presence.until) {
      const reason = Number.isFinite(presence.until)
        ? `the read resolved ${ms(stamp.resolvedAt - presence.until)} after the record's TTL could have run out`
        : "an earlier step's timing was unprovable";
      this.skip(what, `${reason} (machine stalled)`);
      return { counted: false, stamp };
    }
    this.#counted++;
    check(value);
    return { counted: true, stamp };
  }

  /**
   * A read that must no longer see the record written by `write` with `ttlMs`: issued only once
   * the write resolved plus the TTL as the store rounds it, its declared lag and timer slack.
   */
  async gone<T>(
    write: Stamp,
    ttlMs: number,
    read: () => Promise<T>,
    check: (value: T) => void,
  ): Promise<void> {
    await sleepUntil(write.resolvedAt, this.timing.goneByMs(ttlMs));
    const value = await read();
    this.#counted++;
    check(value);
  }

  /**
   * A set-up whose timing matters (a short TTL that a later step must beat): `attempt` returns
   * whether its own timestamps prove it went as planned. Retried on fresh keys (the attempt
   * number is passed); after `attempts` stalled tries the checkpoint is skipped and false returned.
   */
  async setUp(what: string, attempt: (n: number) => Promise<boolean>, attempts = 3): Promise<boolean> {
    for (let n = 1; n <= attempts; n++) {
      if (await attempt(n)) return true;
    }
    this.skip(what, `the machine stalled through all ${attempts} attempts at the set-up`);
    return false;
  }

  /**
   * Polls `condition` until it holds; it must hold within `withinMs`. Lateness the machine's stall
   * explains (this process's event loop running late, round trips slower than the fastest seen
   * beyond that) makes the checkpoint skipped instead; lateness beyond the stall fails. Returns
   * the elapsed ms.
   */
  async within(
    what: string,
    withinMs: number,
    condition: () => Promise<boolean> | boolean,
    everyMs = 20,
  ): Promise<number> {
    const begin = performance.now();
    const loop = eventLoopLag();
    let fastest = Number.POSITIVE_INFINITY;
    const rounds: { took: number; loopLag: number }[] = [];
    try {
      for (;;) {
        const asked = performance.now();
        const lagBefore = loop.total();
        const held = await condition();
        const took = performance.now() - asked;
        rounds.push({ took, loopLag: loop.total() - lagBefore });
        fastest = Math.min(fastest, took);
        const elapsed = performance.now() - begin;
        // A round slower than the fastest one, beyond what the event loop's own lag explains,
        // was the server or the machine stalling, not the component under test.
        const slowRounds = rounds.reduce(
          (sum, r) => sum + Math.max(0, r.took - fastest - r.loopLag - JITTER_MS),
          0,
        );
        const stall = loop.total() + slowRounds;
        if (held) {
          if (elapsed <= withinMs) {
            this.#counted++;
          } else {
            this.skip(
              what,
              `held after ${ms(elapsed)} > ${ms(withinMs)}, but the machine stalled ${ms(stall)}`,
            );
          }
          return elapsed;
        }
        if (elapsed - stall > withinMs || elapsed > withinMs * 10 + 10_000) {
          throw new Error(
            `${what}: not within ${ms(withinMs)} (waited ${ms(elapsed)}, of which the machine stalled ${ms(stall)})`,
          );
        }
        await sleep(everyMs);
      }
    } finally {
      loop.stop();
    }
  }
}

/** How late this process's event loop ran while measured: a 10 ms ticker's summed lateness. */
function eventLoopLag(): { total(): number; stop(): void } {
  const periodMs = 10;
  let lag = 0;
  let expected = performance.now() + periodMs;
  const ticker = setInterval(() => {
    const now = performance.now();
    lag += Math.max(0, now - expected - JITTER_MS);
    expected = now + periodMs;
  }, periodMs);
  return {
    // Includes the tick now overdue, so a stall in progress counts before its timer fires.
    total: () => lag + Math.max(0, performance.now() - expected - JITTER_MS),
    stop: () => clearInterval(ticker),
  };
}
