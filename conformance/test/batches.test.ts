import { ErrorCode, SessionKVError } from "@sessionkv/core";
import { describe, expect, it } from "vitest";
import { ReferenceStore } from "../../packages/core/test/support/reference-store.js";
import { ABOVE_EVERY_SERVER_BATCH, SET_UP_CHUNK } from "../src/batches.js";
import { allCases } from "../src/cases/index.js";
import { sleep } from "../src/expect.js";
import { runConformance } from "../src/runner.js";

const LARGE_CASES = ["listing.complete-2000", "mset.large-batch", "mget.large", "delete.large"];
const TIMEOUT_MS = 1_500;

/**
 * A correct store in front of a slow server: every call costs 3 ms per key, and a call that would
 * take longer than the store's 1.5 s operation timeout is refused as unavailable when it runs out.
 */
class SlowServerStore extends ReferenceStore {
  readonly sizes: number[] = [];

  async #served<T>(size: number, work: () => Promise<T>): Promise<T> {
    this.sizes.push(size);
    const needs = size * 3;
    await sleep(Math.min(needs, TIMEOUT_MS));
    if (needs > TIMEOUT_MS) {
      throw new SessionKVError(ErrorCode.STORE_UNAVAILABLE, `did not answer within ${TIMEOUT_MS} ms`);
    }
    return work();
  }

  override mset(entries: Parameters<ReferenceStore["mset"]>[0]) {
    return this.#served(entries.length, () => super.mset(entries));
  }
  override mget(keys: readonly string[]) {
    return this.#served(keys.length, () => super.mget(keys));
  }
  override delete(keys: readonly string[]) {
    return this.#served(keys.length, () => super.delete(keys));
  }
}

describe("large batches", () => {
  it("set-up writes in chunks; a batch a slow server cannot answer within the timeout skips with the reason", async () => {
    const stores: SlowServerStore[] = [];
    const report = await runConformance({
      createStore: () => {
        const store = new SlowServerStore();
        stores.push(store);
        return store;
      },
      cases: allCases.filter((c) => LARGE_CASES.includes(c.id)),
    });
    const status = Object.fromEntries(report.cases.map((c) => [c.id, c.status]));
    // The listing's set-up (2,050 entries) goes through in chunks: only keys() is its subject.
    expect(status).toEqual({
      "listing.complete-2000": "passed",
      "mset.large-batch": "skipped",
      "mget.large": "skipped",
      "delete.large": "skipped",
    });
    for (const c of report.cases.filter((r) => r.status === "skipped")) {
      expect(c.error).toMatch(
        /of 1001 (entries|keys): refused as unavailable after \d+ ms on each of 2 attempts/,
      );
      expect(c.error).toContain(`did not answer within ${TIMEOUT_MS} ms`);
    }
    const sizes = stores.flatMap((s) => s.sizes);
    expect(Math.max(...sizes.filter((n) => n !== ABOVE_EVERY_SERVER_BATCH))).toBe(SET_UP_CHUNK);
  }, 60_000);

  it("the same cases pass on a store that answers in time", async () => {
    const report = await runConformance({
      createStore: () => new ReferenceStore(),
      cases: allCases.filter((c) => LARGE_CASES.includes(c.id)),
    });
    expect(Object.fromEntries(report.cases.map((c) => [c.id, c.error ?? c.status]))).toEqual(
      Object.fromEntries(LARGE_CASES.map((id) => [id, "passed"])),
    );
  });
});
