import { describe, expect, it } from "vitest";
import { MAX_CLOCK_SLEW, MAX_SLEWED_GAP_MS, SteadyWallClock } from "../src/store-kit.js";

/** A clock over readers the test moves by hand: the wall clock may step, the monotonic one only runs. */
function manual(wallStart = 1_700_000_000_000) {
  let wall = wallStart;
  let monotonic = 1_000;
  const clock = new SteadyWallClock(
    () => wall,
    () => monotonic,
  );
  return {
    clock,
    run(ms: number) {
      wall += ms;
      monotonic += ms;
    },
    step(ms: number) {
      wall += ms;
    },
  };
}

describe("SteadyWallClock", () => {
  it("reads the wall clock while it does not step", () => {
    const t = manual();
    expect(t.clock.now()).toBe(1_700_000_000_000);
    t.run(1_234);
    expect(t.clock.now()).toBe(1_700_000_001_234);
  });

  it("a forward step of the wall clock moves it by at most the slew of the time elapsed", () => {
    const t = manual();
    const set = t.clock.now();
    t.run(1_700);
    t.step(400);
    const read = t.clock.now();
    // A 2000 ms TTL read at 85 %: the wall clock says 2100 ms passed, this clock at most 1701.7.
    expect(read - set).toBeGreaterThanOrEqual(1_700);
    expect(read - set).toBeLessThanOrEqual(Math.ceil(1_700 * (1 + MAX_CLOCK_SLEW)));
  });

  it("closes the gap of a step by slewing, at the documented rate, and then follows the wall clock", () => {
    const t = manual();
    t.clock.now();
    t.step(400);
    t.run(100_000);
    // 100 s at 0.1 %: 100 ms of the 400 ms closed.
    expect(t.clock.wallGapMs()).toBeCloseTo(300, -1);
    t.run(300_000);
    expect(t.clock.wallGapMs()).toBe(0);
    t.run(5_000);
    expect(t.clock.wallGapMs()).toBe(0);
  });

  it("never runs backwards when the wall clock steps back within the bound, and slows by at most the slew", () => {
    const t = manual();
    const before = t.clock.now();
    t.step(-MAX_SLEWED_GAP_MS);
    let last = before;
    for (let i = 0; i < 100; i++) {
      t.run(10);
      const now = t.clock.now();
      expect(now).toBeGreaterThanOrEqual(last);
      last = now;
    }
    // Less one for the whole-millisecond readings.
    expect(last - before).toBeGreaterThanOrEqual(1_000 * (1 - MAX_CLOCK_SLEW) - 1);
  });

  it("takes a gap beyond MAX_SLEWED_GAP_MS at once (a resumed machine, a clock set right), either way", () => {
    const t = manual();
    t.clock.now();
    t.run(10);
    t.step(3_600_000);
    t.run(10);
    expect(t.clock.wallGapMs()).toBe(0);
    t.step(-(MAX_SLEWED_GAP_MS + 1));
    t.run(10);
    expect(t.clock.wallGapMs()).toBe(0);
    // A step within the bound is slewed again.
    t.step(MAX_SLEWED_GAP_MS);
    t.run(10);
    expect(t.clock.wallGapMs()).toBeGreaterThan(MAX_SLEWED_GAP_MS - 1);
  });

  it("ignores a monotonic reading that did not advance", () => {
    const t = manual();
    const first = t.clock.now();
    t.step(10_000);
    expect(t.clock.now()).toBe(first);
  });
});
