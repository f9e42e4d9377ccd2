import { describe, expect, it } from "vitest";
import {
  ceilSeconds,
  decodeWithDeadline,
  encodeWithDeadline,
  liveValue,
  redactText,
} from "../src/store-kit.js";

describe("deadline envelope", () => {
  it("round-trips the value and the exact deadline", () => {
    const value = Uint8Array.from({ length: 256 }, (_, i) => i);
    const decoded = decodeWithDeadline(encodeWithDeadline(value, 1_700_000_000_123.5));
    expect(decoded?.expiresAtMs).toBe(1_700_000_000_123.5);
    expect(Buffer.from(decoded!.value).equals(Buffer.from(value))).toBe(true);
  });
  it("decodes a Buffer into an independent copy, not a view of the driver's buffer", () => {
    const wire = Buffer.from(encodeWithDeadline(new TextEncoder().encode("abc"), 5));
    const decoded = decodeWithDeadline(wire)!;
    wire.fill(0);
    expect(new TextDecoder().decode(decoded.value)).toBe("abc");
  });
  it("treats foreign bytes as absent and filters expired records", () => {
    expect(decodeWithDeadline(new TextEncoder().encode("plain"))).toBeNull();
    expect(liveValue(encodeWithDeadline(new Uint8Array(0), 1000), 999)?.byteLength).toBe(0);
    expect(liveValue(encodeWithDeadline(new Uint8Array(0), 1000), 1000)).toBeNull();
    expect(liveValue(null)).toBeNull();
  });
  it("rounds seconds up", () => {
    expect(ceilSeconds(1)).toBe(1);
    expect(ceilSeconds(1000)).toBe(1);
    expect(ceilSeconds(1001)).toBe(2);
  });
  it("masks URL passwords even when not declared", () => {
    expect(redactText("redis://alice:s3cret@h:6379/0", [])).toBe("redis://alice:***@h:6379/0");
    expect(redactText("key=AKIA/secret+x", ["AKIA/secret+x"])).toBe("key=***");
  });
});
