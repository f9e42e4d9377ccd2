export { runConformance, selectCases } from "./runner.js";
export { registerConformance, type TestContextLike, type TestRunnerApi } from "./bindings/register.js";
export type { RunOptions } from "./runner.js";
export { allCases, registryCases, storeCases } from "./cases/index.js";
export { CONFORMANCE_OPERATION_TIMEOUT_MS, timingFor } from "./timing.js";
export { Checkpoints, type CheckpointTally } from "./checkpoints.js";
export { type Presence, type Stamp, extended, timed, written } from "./stamps.js";
export type { Timing } from "./timing.js";
export { formatResult, formatSummary, formatWallClock, setupFailureReport, toJson } from "./report.js";
export { toJUnit } from "./junit.js";
export { MANIFEST_CHECK, checkCapabilities } from "./manifest.js";
export { showValue } from "./show.js";
export { WALL_CLOCK_STEP_MS, wallClockOffsetMs } from "./wall-clock.js";
export type {
  CaseContext,
  CaseResult,
  CaseStatus,
  ConformanceCase,
  ConformanceReport,
  StoreFactory,
  StoreFactoryContext,
} from "./types.js";
