import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { SessionKVStore } from "@sessionkv/core";
import { keysOf } from "@sessionkv/core/store-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runConformance } from "../src/runner.js";
import { showValue } from "../src/show.js";
import { writeThirdPartyStore } from "./third-party-store.js";

let dir: string;
let thirdParty: () => SessionKVStore;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sessionkv-messages-"));
  thirdParty = (await import(pathToFileURL(await writeThirdPartyStore(dir)).href)).default;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The third-party store with one operation replaced. */
function withOverride(override: (store: SessionKVStore) => Partial<SessionKVStore>): () => SessionKVStore {
  return () => {
    const store = thirdParty();
    return Object.assign(store, override(store));
  };
}

async function errorOf(id: string, createStore: () => SessionKVStore): Promise<string | undefined> {
  const report = await runConformance({ createStore, filter: id });
  const result = report.cases.find((c) => c.id === id);
  expect(result?.status).toBe("failed");
  return result?.error;
}

describe("failure messages", () => {
  it("name the call that rejected and what the contract expected of it", async () => {
    const error = await errorOf(
      "delete.existing-and-missing",
      withOverride((store) => {
        const remove = store.delete.bind(store);
        return {
          delete: async (keys) => {
            if (keysOf(keys).includes("missing"))
              throw Object.assign(new Error("no such key"), { code: "ERR_NO_KEY" });
            await remove(keys);
          },
        };
      }),
    );
    expect(error).toBe(
      'delete(["a", "missing", "c", "a"]) rejected with ERR_NO_KEY: no such key — the contract expects delete to resolve, ignoring missing keys',
    );
  });

  it("show a value as text where it is printable UTF-8, as hex otherwise", async () => {
    const reading = (value: Uint8Array) =>
      withOverride((store) => {
        const get = store.get.bind(store);
        return { get: async (key) => (key === "k" ? value : get(key)) };
      });
    expect(await errorOf("only-if-exists.missing", reading(new TextEncoder().encode("v")))).toBe(
      'get after set with onlyIfExists: expected null (no such key), got "v"',
    );
    expect(await errorOf("only-if-exists.missing", reading(Uint8Array.of(0, 1, 255)))).toBe(
      "get after set with onlyIfExists: expected null (no such key), got 0x0001ff",
    );
  });

  it("cap what they show of long values", () => {
    expect(showValue(new Uint8Array(1000).fill(97))).toBe(`"${"a".repeat(48)}"… (1000 bytes)`);
    expect(showValue(new Uint8Array(1000))).toBe(`0x${"00".repeat(48)}… (1000 bytes)`);
    expect(showValue(new TextEncoder().encode("tab\there"))).toBe('"tab\\there"');
    expect(showValue(new Uint8Array(0))).toBe('""');
  });
});
