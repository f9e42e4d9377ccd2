import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { requireContainers } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import { describe, expect, it } from "vitest";
import { MemcachedSessionKVStore } from "../src/index.js";
import { MIN_COMPACT_ENTRIES } from "../src/key-index.js";
import { DIRECTORY_BUCKETS, ROOT_BUCKETS } from "../src/listing-index.js";
import { poolOf } from "./targets.js";

const run = promisify(execFile);
const gate = await requireContainers();
const WRITER = fileURLToPath(new URL("./fixtures/writer.ts", import.meta.url));
const PROCESSES = 4;
const KEYS_PER_PROCESS = 500;

// Single server and a two-server pool: in the pool, index buckets and data are spread over both.
describe(`${PROCESSES} processes writing at once`, () => {
  forEachTarget([poolOf(1), poolOf(2)], { run: gate.run }, ({ server }) => {
    it(`keys() lists all ${PROCESSES * KEYS_PER_PROCESS} keys, each once`, async () => {
      const { servers } = server();
      const endpoints = servers.map((s) => s.endpoint).join(",");
      const keyPrefix = `multi-${servers.length}:`;
      const outputs = await Promise.all(
        Array.from({ length: PROCESSES }, (_, w) =>
          run(process.execPath, [WRITER, endpoints, keyPrefix, String(w), String(KEYS_PER_PROCESS)], {
            timeout: 90_000,
          }),
        ),
      );
      expect(outputs.map((o) => o.stdout.trim())).toEqual(Array(PROCESSES).fill(`wrote ${KEYS_PER_PROCESS}`));

      const store = new MemcachedSessionKVStore({
        servers: endpoints,
        keyPrefix,
        operationTimeoutMs: 20_000,
      });
      await store.start();
      try {
        const expected = Array.from({ length: PROCESSES }, (_, w) =>
          Array.from({ length: KEYS_PER_PROCESS }, (_, i) => `sessions/writer-${w}/key-${i}`),
        ).flat();
        const listed = await store.keys("");
        expect(listed.length).toBe(expected.length);
        expect(new Set(listed)).toEqual(new Set(expected));
        expect((await store.keys("sessions/writer-2/")).sort()).toEqual(
          expected.filter((k) => k.startsWith("sessions/writer-2/")).sort(),
        );
        // 2,000 live keys in 4 scope buckets, the 4 scopes in the directory: the stated bound.
        const stats = await store.indexStats();
        expect(stats.entries).toBeGreaterThanOrEqual(expected.length + PROCESSES);
        expect(stats.entries).toBeLessThanOrEqual(
          2 * expected.length + (PROCESSES + ROOT_BUCKETS + DIRECTORY_BUCKETS) * 2 * MIN_COMPACT_ENTRIES,
        );
      } finally {
        await store.close();
      }
    });
  });
});
