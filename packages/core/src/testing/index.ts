// @sessionkv/core/testing — helpers for tests of the registry and the host over any store. They
// live here, not in a test folder, because core's own tests and the conformance suite's registry
// and host cases both use them, and the suite depends on core, never the reverse.
export { aroundStore, interceptStore, touchedKeys } from "./intercept-store.js";
export type { StoreOperation } from "./intercept-store.js";
export { recordingLogger } from "./recording-logger.js";
export type { RecordingLogger } from "./recording-logger.js";
export { waitFor, within } from "./wait.js";
