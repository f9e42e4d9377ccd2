import { describe, expect, it } from "vitest";
import { readChangedMetrics, sameMetrics } from "../src/host/metrics-change.js";
import type { HostedSession, SessionMetrics } from "../src/index.js";
import { recordingLogger } from "../src/testing/index.js";

describe("sameMetrics", () => {
  it("is true for the same names and values in any order, NaN included", () => {
    expect(sameMetrics({ a: 1, b: null, c: Number.NaN }, { c: Number.NaN, b: null, a: 1 })).toBe(true);
    expect(sameMetrics({}, {})).toBe(true);
  });

  it("is false for a changed value, a name added or removed, or nothing written yet", () => {
    expect(sameMetrics({ a: 1 }, { a: 2 })).toBe(false);
    expect(sameMetrics({ a: 1 }, { a: null })).toBe(false);
    expect(sameMetrics({ a: Number.NaN }, { a: null })).toBe(false);
    expect(sameMetrics({ a: 1, b: 2 }, { a: 1 })).toBe(false);
    expect(sameMetrics({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(sameMetrics({ a: 1 }, { b: 1 })).toBe(false);
    expect(sameMetrics({}, undefined)).toBe(false);
  });

  it("counts own names only, `__proto__` among them", () => {
    const inherited = Object.create({ a: 1 }) as SessionMetrics;
    expect(sameMetrics(inherited, {})).toBe(true);
    expect(sameMetrics({}, inherited)).toBe(true);
    const proto = JSON.parse('{"__proto__": 1}') as SessionMetrics;
    expect(sameMetrics(proto, JSON.parse('{"__proto__": 1}') as SessionMetrics)).toBe(true);
    expect(sameMetrics(proto, {})).toBe(false);
    expect(sameMetrics({}, proto)).toBe(false);
  });
});

describe("readChangedMetrics", () => {
  const session = (metrics: () => unknown): HostedSession => ({
    close() {},
    metrics: metrics as () => SessionMetrics,
  });

  it("returns what metrics() returned, called on the session, unless it equals what was last written", () => {
    const logger = recordingLogger();
    const handlers = {
      close() {},
      turns: 3,
      metrics(this: { turns: number }): SessionMetrics {
        return { turns: this.turns };
      },
    };
    expect(readChangedMetrics("s", handlers, undefined, logger)).toEqual({ turns: 3 });
    expect(readChangedMetrics("s", handlers, { turns: 2 }, logger)).toEqual({ turns: 3 });
    expect(readChangedMetrics("s", handlers, { turns: 3 }, logger)).toBeUndefined();
    expect(logger.warnings).toEqual([]);
  });

  it("returns undefined for a session without metrics()", () => {
    expect(readChangedMetrics("s", { close() {} }, { a: 1 }, recordingLogger())).toBeUndefined();
  });

  it("logs a throw or an invalid value with the session id and returns undefined", () => {
    const logger = recordingLogger();
    const invalid = [null, [], 5, { a: "x" }];
    for (const value of invalid)
      expect(
        readChangedMetrics(
          "s1",
          session(() => value),
          { a: 1 },
          logger,
        ),
      ).toBeUndefined();
    const broken = session(() => {
      throw new Error("agent gone");
    });
    expect(readChangedMetrics("s2", broken, undefined, logger)).toBeUndefined();
    expect(logger.warnings).toHaveLength(invalid.length + 1);
    expect(logger.warnings.slice(0, invalid.length)).toEqual(
      invalid.map(() => expect.stringMatching(/metrics\(\) of session "s1" failed; keeping the last ones/)),
    );
    expect(logger.warnings.at(-1)).toMatch(/metrics\(\) of session "s2" failed/);
  });

  it("validates metrics when nothing was written yet, also when they are empty", () => {
    const logger = recordingLogger();
    expect(
      readChangedMetrics(
        "s",
        session(() => ({})),
        undefined,
        logger,
      ),
    ).toEqual({});
    expect(
      readChangedMetrics(
        "s",
        session(() => ({ a: "x" })),
        {},
        logger,
      ),
    ).toBeUndefined();
    expect(logger.warnings).toHaveLength(1);
  });
});
