import { describe, expect, it } from "vitest";
import { partitionOf } from "../src/store-kit.js";

describe("partitionOf", () => {
  it("is the key up to and including its second slash", () => {
    expect(partitionOf("sessions/c/s")).toBe("sessions/c/");
    expect(partitionOf("close_requests/c/s/x")).toBe("close_requests/c/");
    expect(partitionOf("a/b/")).toBe("a/b/");
    expect(partitionOf("//")).toBe("//");
    expect(partitionOf("/x/y")).toBe("/x/");
  });

  it("is undefined for a key or prefix with fewer than two slashes", () => {
    expect(partitionOf("")).toBeUndefined();
    expect(partitionOf("plain")).toBeUndefined();
    expect(partitionOf("sessions/c")).toBeUndefined();
    expect(partitionOf("sessions/")).toBeUndefined();
  });

  it("gives every key starting with a partitioned prefix that prefix's partition", () => {
    const prefixes = ["sessions/c/", "sessions/c/s", "a/b/c/d", "x//y"];
    const tails = ["", "1", "/", "/more/slashes", "é🙂"];
    for (const prefix of prefixes)
      for (const tail of tails) expect(partitionOf(prefix + tail)).toBe(partitionOf(prefix));
  });

  it("lets a prefix with fewer than two slashes span partitions", () => {
    expect(partitionOf("sessions/c1/s")).not.toBe(partitionOf("sessions/c2/s"));
    expect(partitionOf("sessions/c")).toBeUndefined();
  });
});
