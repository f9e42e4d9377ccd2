import { defineConfig, mergeConfig } from "vitest/config";

// Every package's Vitest configuration: its vitest.config.ts re-exports one of these.

// Files run one at a time, so two files never fight over a small machine's cores during
// TTL-sensitive cases. Vitest's 5 s default is too tight for a loaded machine, and memory's
// spawned child gets 10 s before it counts as kept alive by the sweep timer.
export const unitTests = defineConfig({
  test: {
    testTimeout: 30_000,
    fileParallelism: false,
  },
});

// Suites that start real servers in containers: a test may wait out a server's restart, a hook
// may pull and start several containers.
export const serverTests = mergeConfig(
  unitTests,
  defineConfig({
    test: {
      testTimeout: 120_000,
      hookTimeout: 300_000,
    },
  }),
);
