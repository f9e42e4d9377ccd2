import { describe, it } from "vitest";
import type { RunOptions } from "../runner.js";
import { failure, sharedRun, suiteTimeoutMs } from "./shared.js";

/**
 * Registers the conformance suite with Vitest: one test per case, skipped cases reported as
 * skipped with the store capability that excludes them.
 *
 *   describeConformance("redis 7", { createStore: ({ namespace }) => new RedisSessionKVStore(...) });
 */
export function describeConformance(name: string, options: RunOptions): void {
  const run = sharedRun(options);
  const timeout = suiteTimeoutMs(options, run.cases.length);
  describe(name, () => {
    for (const c of run.cases) {
      it(`${c.id}: ${c.title}`, { timeout }, async (context) => {
        const result = await run.result(c.id);
        if (result.status === "skipped") context.skip(result.error);
        if (result.status === "failed") throw failure(result);
      });
    }
  });
}

export { type BackendTarget, type DescribeBackendOptions, describeBackend } from "./backend.js";
export {
  type OutageScenario,
  type OutageScenarioOptions,
  type StoreSettings,
  describeOutageScenarios,
} from "./outage.js";
export { type ForEachTargetOptions, type TargetScope, forEachTarget } from "./targets.js";
