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

describe("redaction keeps the text around a secret", () => {
  it("a short secret is masked as a whole token only: DynamoDB keeps its y", () => {
    const message = "mset: DynamoDB did not answer within 4750 ms";
    expect(redactText(message, ["y"])).toBe(message);
    expect(redactText('{"secretAccessKey":"y","region":"eu"}', ["y"])).toBe(
      '{"secretAccessKey":"***","region":"eu"}',
    );
    expect(redactText("AUTH y failed; key=y.", ["y"])).toBe("AUTH *** failed; key=***.");
    expect(redactText("redis://:y@h:6379", ["y"])).toBe("redis://:***@h:6379");
    expect(redactText("yy xy y1 y", ["y"])).toBe("yy xy y1 ***");
  });

  it("a secret with punctuation at an end is bounded by it, and its percent-encoding too", () => {
    expect(redactText("pw=%x; then a%x. and %xb", ["%x"])).toBe("pw=***; then a***. and %xb");
    expect(redactText("u:p%40s@h and p@s", ["p@s"])).toBe("u:***@h and ***");
  });

  it("a secret of 8 characters or more is masked wherever it occurs, inside a word too", () => {
    expect(redactText("tokenS3cr3tPassX-tail S3cr3tPass", ["S3cr3tPass"])).toBe("token***X-tail ***");
  });

  it("regular-expression characters in a short secret are taken literally", () => {
    expect(redactText("a.b a+b (a|b)", ["a.b", "(a|b)"])).toBe("*** a+b ***");
  });
});
