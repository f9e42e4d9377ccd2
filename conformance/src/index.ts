export { runConformance, selectCases } from "./runner.js";
export type { RunOptions } from "./runner.js";
export { allCases, storeCases } from "./cases/index.js";
export { registryCases } from "./cases/registry.js";
export { timingFor } from "./timing.js";
export type { Timing } from "./timing.js";
export { formatResult, formatSummary, toJson } from "./report.js";
export type {
  CaseContext,
  CaseResult,
  CaseStatus,
  ConformanceCase,
  ConformanceReport,
  StoreFactory,
  StoreFactoryContext,
} from "./types.js";
