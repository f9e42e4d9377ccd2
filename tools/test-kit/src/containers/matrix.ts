// The CI matrix: one cell per server version of every backend, read from the backend
// definitions. The GitHub Actions workflow lists the same cells (a test compares them) and
// `pnpm matrix <cell>` runs one here, so the two cannot drift.
//
// A cell runs its package's tests with SESSIONKV_CELL=<id> and the backend's image variable
// set: the targets of every other backend are then empty (see backendTargets()), so a cell
// tests its own server version only.

import type { BackendDefinition } from "./definition.ts";
import { BACKENDS, BACKEND_NAMES, type Backend } from "./definitions/index.ts";

export const CELL_ENV = "SESSIONKV_CELL";

export interface MatrixCell {
  /** `<package dir>/<version name>`, e.g. `redis/valkey-8.1`. */
  readonly id: string;
  readonly backend: Backend;
  /** The workspace package whose tests run, e.g. `@sessionkv/redis`. */
  readonly package: string;
  readonly official: string;
  readonly local: string;
  /** Test files to run, relative to the package; empty: the whole suite. */
  readonly tests: readonly string[];
  readonly imageEnv: string;
}

export const MATRIX: readonly MatrixCell[] = BACKEND_NAMES.flatMap((backend) => {
  const definition: BackendDefinition = BACKENDS[backend];
  return definition.versions.map((version) => ({
    id: `${definition.package}/${version.name}`,
    backend,
    package: `@sessionkv/${definition.package}`,
    official: version.official,
    local: version.local,
    tests: version.tests ?? [],
    imageEnv: definition.imageEnv,
  }));
});

export function matrixCell(id: string): MatrixCell | undefined {
  return MATRIX.find((cell) => cell.id === id);
}

/** The cell this process runs in (SESSIONKV_CELL), if any. */
export function selectedCell(): MatrixCell | undefined {
  const id = process.env[CELL_ENV]?.trim();
  if (!id) return undefined;
  const cell = matrixCell(id);
  if (cell === undefined) {
    throw new Error(`${CELL_ENV}=${id} names no matrix cell; cells: ${MATRIX.map((c) => c.id).join(", ")}`);
  }
  return cell;
}

/** The environment that makes the test suites run one cell, on official or local images. */
export function cellEnvironment(cell: MatrixCell, local: boolean): Record<string, string> {
  return { [CELL_ENV]: cell.id, [cell.imageEnv]: local ? cell.local : cell.official };
}
