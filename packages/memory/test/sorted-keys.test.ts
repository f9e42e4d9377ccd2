import { describe, expect, it } from "vitest";
import { SortedKeys } from "../src/sorted-keys.js";

function shuffled(n: number, make: (i: number) => string): string[] {
  const keys = Array.from({ length: n }, (_, i) => make(i));
  for (let i = keys.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [keys[i], keys[j]] = [keys[j]!, keys[i]!];
  }
  return keys;
}

describe("SortedKeys", () => {
  it("keeps keys sorted and unique through inserts and deletes across many blocks", () => {
    const set = new SortedKeys();
    const keys = shuffled(5000, (i) => `k${i}`);
    for (const k of keys) set.add(k);
    for (const k of keys.slice(0, 100)) set.add(k);
    expect(set.size).toBe(5000);
    for (const k of keys.slice(0, 2500)) expect(set.delete(k)).toBe(true);
    expect(set.delete("absent")).toBe(false);
    expect(set.delete(keys[0]!)).toBe(false);
    const remaining = [...set.withPrefix("")];
    expect(remaining).toEqual([...keys.slice(2500)].sort());
    expect(set.size).toBe(2500);
  });

  it("lists exactly the keys with a prefix, including prefixes at block edges and astral characters", () => {
    const set = new SortedKeys();
    const keys = shuffled(3000, (i) => `${["a", "b/", "b/c", "😀", "z"][i % 5]}${i}`);
    for (const k of keys) set.add(k);
    for (const prefix of ["", "a", "b/", "b/c", "😀", "z", "zz", "\uD83D", "0"]) {
      expect([...set.withPrefix(prefix)]).toEqual(keys.filter((k) => k.startsWith(prefix)).sort());
    }
  });

  it("listing 10 keys out of 1,000,000 visits only those keys", () => {
    const set = new SortedKeys();
    for (let i = 0; i < 1_000_000; i++) set.add(`sessions/call-${String(i).padStart(7, "0")}/s`);
    for (let i = 0; i < 10; i++) set.add(`wanted/${i}`);
    // Count the candidate keys the listing inspects: each one is tested with startsWith.
    const original = String.prototype.startsWith;
    let visited = 0;
    String.prototype.startsWith = function (this: string, ...args: Parameters<typeof original>) {
      visited++;
      return original.apply(this, args);
    };
    let found: string[];
    try {
      found = [...set.withPrefix("wanted/")];
    } finally {
      String.prototype.startsWith = original;
    }
    expect(found).toHaveLength(10);
    expect(visited).toBeLessThanOrEqual(11);
  });
});
