import { configDefaults, defineConfig, mergeConfig } from "vitest/config";
import { serverTests } from "../vitest.shared.ts";

// test/fixtures holds suites that tests run in a Vitest of their own.
export default mergeConfig(
  serverTests,
  defineConfig({ test: { exclude: [...configDefaults.exclude, "test/fixtures/**"] } }),
);
