import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliRun as runIn } from "./cli-run.js";
import { writeThirdPartyStore } from "./third-party-store.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sessionkv-third-party-"));
  await writeThirdPartyStore(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cliRun = (args: string[], env: Record<string, string> = {}, timeoutMs?: number) =>
  runIn(dir, args, env, timeoutMs);

describe("sessionkv-conformance CLI", () => {
  it("validates a store module written outside the repo, implementing the interface directly", async () => {
    const { code, stdout } = await cliRun(["--store", "./my-store.mjs"]);
    expect(stdout).toMatch(/✓ lifecycle\.before-start/);
    // It lists by filtering every key, and says so: the indexed-listing case does not apply.
    expect(stdout).toMatch(/listing\.partition-indexed.*skipped: the store declares partitionListing "scan"/);
    // Cases of optional parts the store lacks (notifications) are skipped too, with the reason.
    expect(stdout).toMatch(/^\d+ passed, 0 failed, \d+ skipped$/m);
    expect(code).toBe(0);
  });

  it("exits non-zero when a case fails, and names the case", async () => {
    const { code, stdout } = await cliRun(["--store", "./my-store.mjs"], { BROKEN: "keys-glob" });
    expect(stdout).toMatch(/✗ listing\.literal-metacharacters/);
    expect(stdout).toMatch(/^\d+ passed, [1-9]\d* failed(, \d+ skipped)?$/m);
    expect(code).toBe(1);
  });

  it("prints a JSON report with --json and honours --filter", async () => {
    const { code, stdout } = await cliRun(["--store", "./my-store.mjs", "--json", "--filter", "mget."]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      passed: number;
      failed: number;
      skipped: number;
      cases: { id: string; status: string }[];
    };
    expect(report.failed).toBe(0);
    expect(report.cases.length).toBeGreaterThan(0);
    expect(report.cases.every((c) => c.id.startsWith("mget.") && c.status === "passed")).toBe(true);
    expect(report.passed).toBe(report.cases.length);
  });

  it("rejects a missing --store, a module without a factory and a filter that matches nothing", async () => {
    const missing = await cliRun(["--filter", "ttl."]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^--store is required/);
    await writeFile(join(dir, "not-a-store.mjs"), "export const x = 1;\n");
    expect((await cliRun(["--store", "./not-a-store.mjs"])).code).toBe(2);
    expect((await cliRun(["--store", "./my-store.mjs", "--filter", "no-such-case"])).code).toBe(1);
    expect((await cliRun(["--bogus"])).code).toBe(2);
  });

  it("checks the capabilities manifest before any case: one clear error naming the field", async () => {
    const { code, stdout, stderr } = await cliRun(["--store", "./my-store.mjs"], { NO_EXPIRY_LAG: "1" });
    expect(code).toBe(1);
    expect(stderr).toMatch(/capabilities\.expiryLagMs must be a number of milliseconds ≥ 0 .*got nothing/);
    expect(stdout).toMatch(/^0 passed, 1 failed$/m);
    expect(stdout).not.toMatch(/ttl\.|NaN/);
  });

  it("exits when done although the store module holds a handle open and close() never settles", async () => {
    const started = performance.now();
    const { code, stdout } = await cliRun(
      ["--store", "./my-store.mjs", "--filter", "mget."],
      { HOLD_OPEN: "1", HANG_CLOSE: "1" },
      60_000,
    );
    expect(stdout).toMatch(/^2 passed, 0 failed$/m);
    expect(code).toBe(0);
    expect(performance.now() - started).toBeLessThan(30_000);
  });
});
