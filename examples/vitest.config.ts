import { defineConfig } from "vitest/config";

// Each test runs an example in a child process for a few seconds, longer on a loaded machine.
export default defineConfig({
  test: {
    testTimeout: 120_000,
  },
});
