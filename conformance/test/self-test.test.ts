import { describe, expect, it } from "vitest";
import { allCases } from "../src/cases/index.js";
import { runConformance } from "../src/runner.js";
import { brokenStores } from "./broken-stores.js";

// The suite proves it can fail: every deliberately broken store must be caught by at least
// one of the cases written for the rule it breaks. Each store runs just those cases: 26 full
// suites at once would stall the event loop long enough for timing cases to prove nothing.
describe.concurrent("the conformance suite catches broken stores", () => {
  for (const store of brokenStores) {
    it(store.name, async () => {
      const cases = allCases.filter((c) => store.caughtBy.includes(c.id));
      expect(cases.map((c) => c.id).sort()).toEqual([...store.caughtBy].sort());
      let report = await runConformance({ createStore: store.create, cases });
      // A stall that leaves a timed case unprovable skips it, which proves nothing either way: run again.
      for (let attempt = 1; attempt < 5 && report.failed === 0 && report.skipped > 0; attempt++) {
        report = await runConformance({ createStore: store.create, cases });
      }
      const failedIds = report.cases.filter((c) => c.status === "failed").map((c) => c.id);
      expect(report.failed, `${store.name} passed every case`).toBeGreaterThan(0);
      expect(
        store.caughtBy.some((id) => failedIds.includes(id)),
        `${store.name}: expected one of ${store.caughtBy.join(", ")} to fail; failed: ${failedIds.join(", ")}`,
      ).toBe(true);
    });
  }
});
