import { describe, expect, it } from "vitest";
import { ReferenceStore } from "../../packages/core/test/support/reference-store.js";
import { stampedStore } from "../src/cases/registry-support.js";
import { sleep } from "../src/expect.js";
import { formatResult } from "../src/report.js";
import { runConformance } from "../src/runner.js";
import { type Stamp, extended, overlap, written } from "../src/stamps.js";
import type { ConformanceCase } from "../src/types.js";

const TTL = 200;
const run = (cases: ConformanceCase[]) => runConformance({ createStore: () => new ReferenceStore(), cases });
/** A read the machine "stalls" past the TTL: it resolves only after the record may be gone. */
const stalledRead =
  <T>(value: T) =>
  async () => {
    await sleep(TTL + 20);
    return value;
  };
const at = (issuedAt: number, resolvedAt: number): Stamp => ({ issuedAt, resolvedAt });

describe("presence proofs", () => {
  it("run from the write's resolution to its issue plus the TTL; an extension counts only if it beat the TTL", () => {
    const p = written(at(100, 130), TTL);
    expect(p).toEqual({ from: 130, until: 300 });
    expect(extended(p, at(250, 290), TTL)).toEqual({ from: 130, until: 450 });
    expect(extended(p, at(250, 300), TTL), "resolved at the deadline: may have come too late").toBe(p);
    expect(overlap([p, { from: 50, until: 280 }])).toEqual({ from: 130, until: 280 });
  });

  it("follow a component's own writes through a stamped store", async () => {
    const { store, presenceOf } = stampedStore(new ReferenceStore());
    await store.start();
    const before = performance.now();
    await store.set("k", new Uint8Array(1), TTL);
    const p = presenceOf("k");
    expect(p.until).toBeGreaterThanOrEqual(before + TTL);
    await store.expire(["k"], 10_000);
    expect(presenceOf("k").until).toBeGreaterThan(p.until + 9_000);
    await store.delete(["k"]);
    expect(presenceOf("k").until).toBe(Number.NEGATIVE_INFINITY);
    expect(presenceOf("never-written").until).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe("timed checkpoints decide the verdict", () => {
  const checkpointCase = (id: string, run: ConformanceCase["run"]): ConformanceCase => ({
    id,
    title: id,
    run,
  });

  it("a read that resolved past the TTL is skipped, not failed, even though it saw nothing", async () => {
    const report = await run([
      checkpointCase("stalled", async ({ checkpoints }) => {
        const stamp = at(performance.now(), performance.now());
        await checkpoints.stillThere("read", written(stamp, TTL), stalledRead(null), () => {
          throw new Error("checked an unprovable read");
        });
      }),
    ]);
    expect(report.cases[0]).toMatchObject({ status: "skipped" });
    expect(report.cases[0]!.error).toMatch(/machine stalled.*read: the read resolved \d+ ms after/);
    expect(formatResult(report.cases[0]!)).toMatch(/^- stalled .*\(skipped: machine stalled/);
  });

  it("a provable violation fails; a partly stalled case passes and names its skipped checkpoints", async () => {
    const report = await run([
      checkpointCase("violation", async ({ checkpoints }) => {
        const stamp = at(performance.now(), performance.now());
        await checkpoints.stillThere(
          "read",
          written(stamp, 10_000),
          async () => null,
          (v) => {
            if (v === null) throw new Error("gone early");
          },
        );
      }),
      checkpointCase("partial", async ({ checkpoints }) => {
        const stamp = at(performance.now(), performance.now());
        await checkpoints.stillThere(
          "first",
          written(stamp, TTL),
          async () => 1,
          () => undefined,
        );
        await checkpoints.stillThere("second", written(stamp, TTL), stalledRead(1), () => undefined);
      }),
    ]);
    expect(report.cases.map((c) => c.status)).toEqual(["failed", "passed"]);
    expect(report.cases[0]!.error).toBe("gone early");
    expect(report.cases[1]!.skippedCheckpoints).toEqual([
      expect.stringMatching(/^second: the read resolved/),
    ]);
    expect(formatResult(report.cases[1]!)).toMatch(/\n {4}checkpoint skipped: second: /);
  });

  it("a set-up is retried while stalled and skipped after the last attempt", async () => {
    const attempts: number[] = [];
    const report = await run([
      checkpointCase("set-up", async ({ checkpoints }) => {
        const ready = await checkpoints.setUp("beat the TTL", async (n) => {
          attempts.push(n);
          return false;
        });
        if (ready) throw new Error("reported ready");
      }),
    ]);
    expect(attempts).toEqual([1, 2, 3]);
    expect(report.cases[0]).toMatchObject({ status: "skipped" });
    expect(report.cases[0]!.error).toMatch(/beat the TTL: the machine stalled through all 3 attempts/);
  });

  it("a deadline counts when met, is skipped when a stall explains the lateness, and fails otherwise", async () => {
    const report = await run([
      checkpointCase("met", async ({ checkpoints }) => {
        const begin = performance.now();
        await checkpoints.within("soon", 5_000, () => performance.now() - begin > 50);
      }),
      checkpointCase("stalled-server", async ({ checkpoints }) => {
        let rounds = 0;
        // The second round's answer takes 1.5 s, as from a stalled server: late for that reason only.
        await checkpoints.within("late", 300, async () => {
          rounds++;
          if (rounds === 2) await sleep(1_500);
          return rounds === 3;
        });
      }),
      checkpointCase("stalled-loop", async ({ checkpoints }) => {
        let rounds = 0;
        // The event loop itself blocks for 1.5 s (a starved process): late for that reason only.
        await checkpoints.within("late", 300, () => {
          rounds++;
          if (rounds === 2) {
            const until = performance.now() + 1_500;
            while (performance.now() < until);
          }
          return rounds === 4;
        });
      }),
      checkpointCase("never", async ({ checkpoints }) => {
        await checkpoints.within("never", 100, () => false);
      }),
    ]);
    expect(report.cases.map((c) => c.status)).toEqual(["passed", "skipped", "skipped", "failed"]);
    expect(report.cases[1]!.error).toMatch(
      /late: held after \d+ ms > 300 ms, but the machine stalled \d+ ms/,
    );
    expect(report.cases[3]!.error).toMatch(/never: not within 100 ms/);
  });
});

describe("wall-clock steps", () => {
  const realNow = Date.now;
  /**
   * A case that moves this process's wall clock by `stepMs` while it runs, then asserts `holds`.
   * The clock stays moved until the run has finished (`runAlone` puts it back): restoring it from
   * a timer raced the runner's end-of-case reading on a loaded machine.
   */
  const steppingCase = (id: string, stepMs: number, holds: boolean): ConformanceCase => ({
    id,
    title: id,
    async run() {
      Date.now = () => realNow.call(Date) + stepMs;
      if (!holds) throw new Error("get at 85% of 2000 ms read null");
    },
  });
  const runAlone = async (cases: ConformanceCase[]) => {
    try {
      return await runConformance({ createStore: () => new ReferenceStore(), cases, concurrency: 1 });
    } finally {
      Date.now = realNow;
    }
  };

  it("a case that failed across a step is skipped with the step as the reason; the report states the drift", async () => {
    const report = await runAlone([steppingCase("stepped.fails", 400, false)]);
    const result = report.cases[0]!;
    expect(result.status).toBe("skipped");
    expect(result.error).toMatch(
      /^the wall clock stepped \+(399|40\d) ms against the monotonic clock during the case; it failed with: get at 85%/,
    );
    // The offset is read against a fractional monotonic clock: a 400 ms step reads 399.x to 40x.
    expect(result.wallClockStepMs).toBeGreaterThanOrEqual(399);
    expect(report.wallClockDriftMs).toBeGreaterThanOrEqual(399);
  });

  it("a failure without a step still fails, and a pass across a step passes, noting the step", async () => {
    const failed = await runAlone([steppingCase("steady.fails", 0, false)]);
    expect(failed.cases[0]!.status).toBe("failed");
    expect(failed.cases[0]!.wallClockStepMs).toBeUndefined();
    expect(failed.wallClockDriftMs).toBeLessThan(20);
    const passed = await runAlone([steppingCase("stepped.passes", -300, true)]);
    expect(passed.cases[0]!.status).toBe("passed");
    expect(passed.cases[0]!.wallClockStepMs).toBeLessThanOrEqual(-299);
    expect(formatResult(passed.cases[0]!)).toMatch(/the wall clock stepped -(299|30\d) ms during the case/);
  });
});
