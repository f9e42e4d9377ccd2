// @sessionkv/conformance/testing — runner-independent helpers for a backend's own tests and
// benchmarks: what every backend needs and would otherwise write again. Imports neither a test
// runner nor Testcontainers; assertions stay with the caller's runner.

export {
  type BenchCase,
  type BenchRow,
  type CompareOptions,
  compare,
  formatTable,
  median,
  timePerCall,
} from "./bench.js";
export { codeOf, everyOperation, type Rejection, rejectEveryOperation, rejection } from "./rejection.js";
export { eventually, type EventuallyOptions } from "./retry.js";
export { everythingSaidBy, leakedSecrets, leakedSecretsAround } from "./said.js";
export { TcpProxy } from "./tcp-proxy.js";
export { bytes, text } from "./text.js";
export {
  readAcrossWallClockStep,
  type WallClockStepOptions,
  type WallClockStepRead,
} from "./wall-clock-step.js";
export { sleep } from "@sessionkv/core/store-kit";
export {
  type LatencyRow,
  type PushCloseBenchOptions,
  pushCloseBench,
  pushCloseBenchNode,
} from "./push-close-bench.js";
