import type { SessionKVStore } from "@sessionkv/core";
import { deadlineNow, encodeWithDeadline, liveValue } from "@sessionkv/core/store-kit";
import { describe, expect, it } from "vitest";
import { readAcrossWallClockStep, text } from "../src/testing/index.js";

/**
 * The part of a store a wall-clock step can break: where "now" comes from when a deadline is
 * written and when it is judged. The rest is the core deadline envelope, as the backends use it.
 */
function envelopeStore(now: () => number): SessionKVStore {
  const held = new Map<string, Uint8Array>();
  return {
    async set(key: string, value: Uint8Array, ttlMs: number) {
      held.set(key, encodeWithDeadline(value, now() + ttlMs));
    },
    async get(key: string) {
      return liveValue(held.get(key), now());
    },
  } as unknown as SessionKVStore;
}

describe("readAcrossWallClockStep", () => {
  it("catches a store that judges deadlines by Date.now: the record reads as expired at 85 % of its TTL", async (context) => {
    const read = await readAcrossWallClockStep(envelopeStore(() => Date.now()));
    if (!read.provable) return context.skip("the machine stalled past the TTL in every attempt");
    expect(read.value).toBeNull();
  });

  it("the core deadline clock (deadlineNow) keeps the record live", async (context) => {
    const read = await readAcrossWallClockStep(envelopeStore(deadlineNow));
    if (!read.provable) return context.skip("the machine stalled past the TTL in every attempt");
    expect(text(read.value)).toBe("live");
  });

  it("refuses a step too small to pass the wall-clock deadline, which would prove nothing", async () => {
    await expect(readAcrossWallClockStep(envelopeStore(deadlineNow), { stepMs: 100 })).rejects.toThrow(
      RangeError,
    );
  });
});
