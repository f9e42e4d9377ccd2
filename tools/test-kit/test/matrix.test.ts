// The CI matrix has one source, the backend definitions: the workflow must take its cells from
// them (as `pnpm matrix --json` prints them), and a cell must narrow the suites' targets to its
// own server version.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
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
} from "../src/containers/index.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("CI matrix", () => {
  it("the workflow's server jobs are the cells `pnpm matrix --json` prints from the definitions", async () => {
    const workflow = await readFile(`${root}.github/workflows/ci.yml`, "utf8");
    expect(workflow).toContain("node tools/test-kit/cli/matrix.ts --json");
    expect(workflow).toContain("cell: ${{ fromJSON(needs.cells.outputs.cells) }}");
    expect(workflow).toContain('run: pnpm matrix "$CELL"');
    // The command the workflow runs, run here the same way: no build, straight from the sources.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["tools/test-kit/cli/matrix.ts", "--json"],
      { cwd: root },
    );
    expect(JSON.parse(stdout)).toEqual(MATRIX.map((cell) => cell.id));
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
