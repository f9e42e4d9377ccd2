import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const cli = join(
  dirname(createRequire(import.meta.url).resolve("@sessionkv/conformance/package.json")),
  "dist/cli.js",
);
const storeModule = fileURLToPath(new URL("../memory-store.mjs", import.meta.url));

describe("examples/memory-store.mjs (the store module of `pnpm conformance`)", () => {
  it("passes the conformance CLI's TTL cases", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      cli,
      "--store",
      storeModule,
      "--filter",
      "ttl.",
    ]);
    expect(stdout).toMatch(/^[1-9]\d* passed, 0 failed$/m);
  });
});
