import { configDefaults, defineConfig } from "vitest/config";

// Suites start real servers in containers: generous limits, and files run one at a time
// so two suites never fight over the machine's two cores during TTL-sensitive cases.
// test/fixtures holds suites that tests run in a Vitest of their own.
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    exclude: [...configDefaults.exclude, "test/fixtures/**"],
  },
});
