export { SessionKVInstrumentation } from "./instrumentation.js";
export type { SessionKVInstrumentationConfig } from "./instrumentation.js";
export { METRICS, dbSystemName } from "./semconv.js";
