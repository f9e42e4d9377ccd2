import { describe, it } from "node:test";
import type { RunOptions } from "../runner.js";
import { failure, sharedRun, suiteTimeoutMs } from "./shared.js";

/** Registers the conformance suite with `node:test`: one test per case. */
export function describeConformance(name: string, options: RunOptions): void {
  const run = sharedRun(options);
  const timeout = suiteTimeoutMs(options, run.cases.length);
  describe(name, () => {
    for (const c of run.cases) {
      it(`${c.id}: ${c.title}`, { timeout }, async (t) => {
        const result = await run.result(c.id);
        if (result.status === "skipped") t.skip(result.error);
        if (result.status === "failed") throw failure(result);
      });
    }
  });
}
