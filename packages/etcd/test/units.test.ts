import { encodeWithDeadline } from "@sessionkv/core/store-kit";
import { describe, expect, it } from "vitest";
import { Keyspace, keyAfter, prefixEnd } from "../src/keyspace.js";
import {
  EXACT_BASE,
  floorId,
  keptLeaseId,
  leaseDeadline,
  leaseIdFor,
  parseLeaseId,
} from "../src/lease-id.js";
import { deadlineOf, listedState } from "../src/record.js";

// The pure parts of the design, without a server: lease IDs that carry and order deadlines,
// byte ranges of prefixes, and how a key's deadline is read back.
const kv = (lease: string, value: Buffer = Buffer.alloc(0)) => ({
  key: Buffer.from("k"),
  value,
  lease,
  create_revision: "1",
  mod_revision: "1",
  version: "1",
});

describe("lease IDs", () => {
  it("round-trip their deadline and kind, and stay positive int64s", () => {
    for (const kind of ["bucket", "exact"] as const) {
      const deadline = Date.now() + 365 * 24 * 3_600_000;
      const id = leaseIdFor(deadline, kind);
      expect(BigInt(id) > 0n && BigInt(id) < 1n << 63n).toBe(true);
      expect(parseLeaseId(id)).toEqual({ deadlineMs: deadline, kind });
    }
  });

  it("sort by deadline, exact ones above every bucket one, so the server can compare them", () => {
    const now = Date.now();
    const floor = BigInt(floorId(now, "exact"));
    expect(BigInt(leaseIdFor(now + 1, "exact")) > floor).toBe(true);
    expect(BigInt(leaseIdFor(now, "exact")) > floor).toBe(false);
    expect(BigInt(leaseIdFor(now + 1_000_000, "bucket")) < EXACT_BASE).toBe(true);
    expect(BigInt(leaseIdFor(now + 1_000_000, "bucket")) > floor).toBe(false);
  });

  it("kept leases read as exact leases that never end: alive to every guard and listing while the server keeps them", () => {
    const id = keptLeaseId();
    expect(BigInt(id) < 1n << 63n).toBe(true);
    expect(BigInt(id) > BigInt(floorId(Date.now() + 80 * 365 * 24 * 3_600_000, "exact"))).toBe(true);
    expect(listedState(kv(id), 1_000)).toBe("alive");
    expect(deadlineOf(kv(id, encodeWithDeadline(Buffer.from("v"), 5_000)))).toBe(2 ** 42 - 1);
  });

  it("reject IDs this library did not choose", () => {
    expect(parseLeaseId("0")).toBeNull();
    expect(parseLeaseId("-5")).toBeNull();
    expect(parseLeaseId("not a number")).toBeNull();
    expect(parseLeaseId((1n << 20n).toString())).toBeNull(); // no random bits
  });

  it("bucket leases end strictly after every deadline of their bucket, and their bucket starts at or before it", () => {
    for (const deadline of [1_000, 1_999.5, 2_000, 2_000.25, 123_456_789]) {
      const end = leaseDeadline(deadline, "bucket", 1_000);
      expect(end).toBeGreaterThan(deadline);
      expect(end - 1_000).toBeLessThanOrEqual(deadline);
    }
    expect(leaseDeadline(1_000.2, "exact", 1_000)).toBe(1_001);
  });
});

describe("deadlines read back", () => {
  it("come from the value under a bucket lease and from the lease under an exact one", () => {
    const value = encodeWithDeadline(Buffer.from("v"), 5_000);
    expect(deadlineOf(kv(leaseIdFor(6_000, "bucket"), value))).toBe(5_000);
    expect(deadlineOf(kv(leaseIdFor(9_000, "exact"), value))).toBe(9_000);
    expect(deadlineOf(kv(leaseIdFor(9_000, "exact"), Buffer.from("foreign")))).toBeNull();
  });

  it("header bytes sort like the deadlines they hold (the value compare of the guards)", () => {
    const deadlines = [1, 999.5, 1_000, 1_795_000_000_000, 1_795_000_000_001, 4e12];
    const headers = deadlines.map((d) => encodeWithDeadline(Buffer.from("payload"), d));
    for (let i = 1; i < headers.length; i++) expect(Buffer.compare(headers[i - 1]!, headers[i]!)).toBe(-1);
  });

  it("a keys-only listing decides from the lease, or asks for the value near a bucket's end", () => {
    const now = 1_000_000;
    expect(listedState(kv(leaseIdFor(now + 5_000, "bucket")), 1_000, now)).toBe("alive");
    expect(listedState(kv(leaseIdFor(now + 500, "bucket")), 1_000, now)).toBe("unknown");
    expect(listedState(kv(leaseIdFor(now, "bucket")), 1_000, now)).toBe("expired");
    expect(listedState(kv(leaseIdFor(now + 1, "exact")), 1_000, now)).toBe("alive");
    expect(listedState(kv(leaseIdFor(now, "exact")), 1_000, now)).toBe("expired");
    expect(listedState(kv("0"), 1_000, now)).toBe("unknown");
  });
});

describe("key ranges", () => {
  it("name stored keys for the lease bookkeeping as callers spell them, foreign bytes apart", () => {
    for (const prefix of ["p:", "ü:"]) {
      const keyspace = new Keyspace(prefix);
      for (const key of ["sessions/c1/s1", "a b*\\", "é", "🙂/x", "\u0000\u007f"]) {
        expect(keyspace.name(keyspace.encode(key))).toBe(key);
      }
      const foreign = Buffer.from([0xff, 0xfe]);
      expect(keyspace.name(foreign)).toBe(foreign.toString("latin1"));
    }
  });

  it("cover exactly the keys with the prefix, byte-wise", () => {
    expect(prefixEnd(Buffer.from("ab"))).toEqual(Buffer.from("ac"));
    expect(prefixEnd(Buffer.from([0x61, 0xff]))).toEqual(Buffer.from([0x62]));
    expect(prefixEnd(Buffer.from([0xff, 0xff]))).toEqual(Buffer.from([0]));
    expect(prefixEnd(Buffer.alloc(0))).toEqual(Buffer.from([0]));
    expect(keyAfter(Buffer.from("k"))).toEqual(Buffer.from("k\0"));
  });

  it("encode keys as prefix + UTF-8 and decode them back exactly", () => {
    const space = new Keyspace("ns✨:");
    for (const key of ["a", "sessions/c/s", "emoji 😀 *?[]\\%", "ü"])
      expect(space.decode(space.encode(key))).toBe(key);
    expect(space.decode(Buffer.from("other:a"))).toBeNull();
    expect(space.decode(Buffer.concat([Buffer.from("ns✨:"), Buffer.from([0xff])]))).toBeNull();
  });
});
