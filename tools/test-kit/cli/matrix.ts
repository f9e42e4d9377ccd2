// The CI matrix on this machine (the cells come from src/containers/matrix.ts).
//   pnpm matrix                      lists the cells and the image each would run here
//   pnpm matrix redis/valkey-8.1     runs that cell's tests (after `pnpm build`)
//   pnpm matrix --json               prints the cell ids as JSON (the CI workflow's matrix)
// Images: local ones with SESSIONKV_LOCAL_IMAGES=1 (scripts/run sets it once they are built),
// otherwise the official ones, pulled by Testcontainers (as on GitHub Actions).
import { spawnSync } from "node:child_process";
import { localImagesSelected } from "../src/containers/images.ts";
import { MATRIX, cellEnvironment, matrixCell } from "../src/containers/matrix.ts";

const local = localImagesSelected();
const [arg] = process.argv.slice(2);

if (arg === undefined) {
  const width = Math.max(...MATRIX.map((cell) => cell.id.length));
  for (const cell of MATRIX) console.log(`${cell.id.padEnd(width)}  ${local ? cell.local : cell.official}`);
} else if (arg === "--json") {
  console.log(JSON.stringify(MATRIX.map((cell) => cell.id)));
} else {
  const cell = matrixCell(arg);
  if (cell === undefined) {
    console.error(`pnpm matrix: no cell ${JSON.stringify(arg)}; run \`pnpm matrix\` for the list`);
    process.exit(2);
  }
  const env = cellEnvironment(cell, local);
  console.error(
    `pnpm matrix: ${cell.id} on ${env[cell.imageEnv]} (${Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ")})`,
  );
  const run = spawnSync("pnpm", ["--filter", cell.package, "exec", "vitest", "run", ...cell.tests], {
    stdio: "inherit",
    env: { ...process.env, ...env },
  });
  process.exit(run.status ?? 1);
}
