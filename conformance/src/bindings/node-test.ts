import { describe, it } from "node:test";
import type { RunOptions } from "../runner.js";
import { registerConformance } from "./register.js";

/** Registers the conformance suite with `node:test`: one test per case. */
export function describeConformance(name: string, options: RunOptions): void {
  registerConformance({ describe, it }, name, options);
}

export { registerConformance, type TestContextLike, type TestRunnerApi } from "./register.js";
