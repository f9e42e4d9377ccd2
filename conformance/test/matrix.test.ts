// The CI matrix has one source, the backend definitions: the workflow must list exactly their
// cells, and a cell must narrow the suites' targets to its own server version.
import { readFile } from "node:fs/promises";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  CELL_ENV,
  LOCAL_IMAGES,
  MATRIX,
  OFFICIAL_IMAGES,
  backendTargets,
  cellEnvironment,
  etcdTargets,
  matrixCell,
  redisTargets,
} from "../src/containers/index.js";

/** The `cell:` list of the workflow's server job, in order. */
function workflowCells(workflow: string): string[] {
  const lines = workflow.split("\n");
  const start = lines.findIndex((line) => /^\s+cell:\s*$/.test(line));
  expect(start, "the workflow has a `cell:` matrix").toBeGreaterThan(-1);
  const cells: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const item = /^\s+- (\S+)\s*$/.exec(line);
    if (!item) break;
    cells.push(item[1]!);
  }
  return cells;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("CI matrix", () => {
  it("the workflow lists exactly the cells of the backend definitions (regenerate: pnpm matrix --workflow)", async () => {
    const workflow = await readFile(new URL("../../.github/workflows/ci.yml", import.meta.url), "utf8");
    expect(workflowCells(workflow)).toEqual(MATRIX.map((cell) => cell.id));
    expect(workflow).toContain('run: pnpm matrix "$CELL"');
  });

  it("covers every server version once, with its official and local image", () => {
    const ids = MATRIX.map((cell) => cell.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [backend, images] of Object.entries(OFFICIAL_IMAGES)) {
      const cells = MATRIX.filter((cell) => cell.backend === backend);
      expect(cells.map((cell) => cell.official)).toEqual(images);
      expect(cells.map((cell) => cell.local)).toEqual(LOCAL_IMAGES[backend as keyof typeof LOCAL_IMAGES]);
    }
    expect(matrixCell("redis/redis-cluster-7.0")).toMatchObject({
      tests: ["test/cluster.test.ts", "test/cluster-coverage.test.ts", "test/refused-credentials.test.ts"],
    });
  });

  it("a cell leaves its package's suites only its own server", () => {
    const cell = matrixCell("redis/valkey-8.1")!;
    for (const [name, value] of Object.entries(cellEnvironment(cell, true))) vi.stubEnv(name, value);
    expect(redisTargets().map((t) => t.image)).toEqual(["sessionkv-local/valkey:8.1"]);
    expect(backendTargets(["redis-cluster"])).toEqual([]);
    expect(etcdTargets()).toEqual([]);

    const cluster = matrixCell("redis/redis-cluster-7.0")!;
    for (const [name, value] of Object.entries(cellEnvironment(cluster, false))) vi.stubEnv(name, value);
    expect(redisTargets()).toEqual([]);
    expect(backendTargets(["redis-cluster"]).map((t) => t.image)).toEqual(["redis:7.0"]);
  });

  it("rejects an unknown cell instead of running nothing", () => {
    vi.stubEnv(CELL_ENV, "redis/redis-6.2");
    expect(() => redisTargets()).toThrow(/names no matrix cell/);
  });
});
