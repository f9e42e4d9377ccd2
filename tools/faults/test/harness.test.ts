// The fault command's own measuring parts: a figure of 0 must mean nothing
// happened, not that the measurement could not see it.
import { describe, expect, it } from "vitest";
import { Ops } from "../src/ops.ts";
import { type Expected, Visibility } from "../src/visibility.ts";

const poll = (startedAt: number, seen?: string[]) => ({
  startedAt,
  endedAt: startedAt + 1,
  seen: seen && new Set(seen),
});

function fleet(live: Record<string, number>, removed: Record<string, number | undefined>): Expected {
  return {
    live: new Map(Object.entries(live).map(([id, since]) => [id, { callId: "c", since }])),
    removed: new Map(Object.entries(removed)),
  };
}

describe("Visibility", () => {
  it("counts a removed session seen again after it was seen gone as a resurrection", () => {
    const v = new Visibility();
    const f = fleet({ a: 0 }, { r: 10 });
    v.missing(f, poll(20, ["a"]));
    expect(v.resurrections).toBe(0);
    v.missing(f, poll(30, ["a", "r"]));
    expect(v.resurrections).toBe(1);
    v.missing(f, poll(40, ["a", "r"]));
    expect(v.resurrections).toBe(1); // counted once per session
  });

  it("does not count a removal still in flight, or a record not yet seen gone", () => {
    const v = new Visibility();
    v.missing(fleet({}, { r: undefined }), poll(20, ["r"]));
    v.missing(fleet({}, { r: 25 }), poll(20, ["r"])); // removal resolved after the poll began
    v.missing(fleet({}, { r: 10 }), poll(30, ["r"])); // lingering, never seen gone
    expect(v.resurrections).toBe(0);
  });

  it("lists live sessions a poll missed, ignoring sessions added after it began; a failed poll says nothing", () => {
    const v = new Visibility();
    const f = fleet({ a: 0, b: 0, late: 50 }, {});
    expect(v.missing(f, poll(20, ["a"]))).toEqual(["b"]);
    expect(v.missing(f, poll(20))).toBeUndefined();
    expect(v.complete(f, poll(20, ["a", "b"]))).toBe(true);
  });

  it("is not complete while a removed session is still listed", () => {
    const v = new Visibility();
    expect(v.complete(fleet({ a: 0 }, { r: 10 }), poll(20, ["a", "r"]))).toBe(false);
    expect(v.complete(fleet({ a: 0 }, { r: 10 }), poll(20, ["a"]))).toBe(true);
  });
});

describe("Ops", () => {
  it("counts a call that never settles as hung without waiting for it", async () => {
    const ops = new Ops(50);
    const started = Date.now();
    expect(await ops.run(() => new Promise(() => undefined))).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(ops.hung).toBe(1);
  });

  it("passes results through and reports failures to onError, neither hung", async () => {
    const ops = new Ops(10_000);
    const errors: unknown[] = [];
    expect(await ops.run(async () => 42)).toBe(42);
    expect(
      await ops.run(
        () => Promise.reject(new Error("down")),
        (e) => errors.push(e),
      ),
    ).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(ops.hung).toBe(0);
  });
});
