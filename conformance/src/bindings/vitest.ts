import { describe, it } from "vitest";
import type { RunOptions } from "../runner.js";
import { registerConformance } from "./register.js";

/**
 * Registers the conformance suite with Vitest: one test per case, skipped cases reported as
 * skipped with the store capability that excludes them.
 *
 *   describeConformance("redis 7", { createStore: ({ namespace }) => new RedisSessionKVStore(...) });
 */
export function describeConformance(name: string, options: RunOptions): void {
  registerConformance({ describe, it }, name, options);
}

export { registerConformance, type TestContextLike, type TestRunnerApi } from "./register.js";
