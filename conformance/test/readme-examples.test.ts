import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// The READMEs show the example files verbatim; the files are what the tests run.
const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

describe("README examples are the files the tests run", () => {
  it("root README: packages/redis/examples/quick-start.mjs (after its first comment line)", () => {
    const example = read("packages/redis/examples/quick-start.mjs").split("\n").slice(1).join("\n");
    expect(read("README.md")).toContain(`\`\`\`js\n${example}\`\`\``);
  });

  it("core README: conformance/examples/multi-node.mjs", () => {
    expect(read("packages/core/README.md")).toContain(
      `\`\`\`js\n${read("conformance/examples/multi-node.mjs")}\`\`\``,
    );
  });
});
