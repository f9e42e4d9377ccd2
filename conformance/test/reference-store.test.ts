import { ReferenceStore } from "../../packages/core/test/support/reference-store.js";
import { describeConformance } from "../src/bindings/vitest.js";

// The self-test's broken stores wrap this store: it must pass the whole suite, so that each
// broken one fails for the rule it breaks and for nothing else.
describeConformance("ReferenceStore (core's test store)", { createStore: () => new ReferenceStore() });
