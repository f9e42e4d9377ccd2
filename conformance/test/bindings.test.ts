import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeThirdPartyStore } from "./third-party-store.js";

const run = promisify(execFile);
const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
const vitestCli = join(dirname(createRequire(import.meta.url).resolve("vitest/package.json")), "vitest.mjs");

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

let dir: string;
let storeModule: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sessionkv-bindings-"));
  storeModule = await writeThirdPartyStore(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The node:test binding in a `node --test` of its own, counted from its TAP summary. */
async function nodeTest(env: Record<string, string>): Promise<Counts> {
  // A failing test makes `node --test` exit non-zero: the output is read either way.
  const { stdout } = await run(
    process.execPath,
    ["--test", "--test-reporter=tap", join(fixtures, "third-party.node-test.mjs")],
    { env: { ...process.env, STORE_MODULE: storeModule, ...env } },
  ).catch((error: { stdout: string }) => error);
  const count = (name: string) =>
    Number(new RegExp(`^# ${name} (\\d+)$`, "m").exec(stdout)?.[1] ?? Number.NaN);
  return { passed: count("pass"), failed: count("fail"), skipped: count("skipped") };
}

/** The Vitest binding in a Vitest of its own, counted from its JSON report. */
async function vitest(env: Record<string, string>): Promise<Counts & { failures: string[] }> {
  const output = join(dir, `vitest-${Date.now()}.json`);
  await run(
    process.execPath,
    [vitestCli, "run", "--root", fixtures, "--reporter=json", `--outputFile=${output}`],
    {
      cwd: fixtures,
      env: { ...process.env, STORE_MODULE: storeModule, ...env },
    },
  ).catch(() => undefined); // a failing test exits non-zero; the report says what failed
  const report = JSON.parse(await readFile(output, "utf8")) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    testResults: { assertionResults: { title: string; status: string; failureMessages: string[] }[] }[];
  };
  const failures = report.testResults
    .flatMap((f) => f.assertionResults)
    .filter((a) => a.status === "failed")
    .map((a) => `${a.title} ${a.failureMessages.join(" ")}`);
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests,
    skipped: report.numPendingTests,
    failures,
  };
}

describe("the Vitest and node:test bindings (one registerConformance)", () => {
  it("node:test: one test per case, plus the manifest check", async () => {
    expect(await nodeTest({ FILTER: "mget." })).toEqual({ passed: 3, failed: 0, skipped: 0 });
  });

  it("node:test: an invalid manifest is one failing test, the cases skipped", async () => {
    expect(await nodeTest({ FILTER: "mget.", NO_EXPIRY_LAG: "1" })).toEqual({
      passed: 0,
      failed: 1,
      skipped: 2,
    });
  });

  it("Vitest: an invalid manifest is one failing test naming the field, the cases skipped", async () => {
    const counts = await vitest({ FILTER: "listing.", NO_EXPIRY_LAG: "1" });
    expect({ ...counts, failures: counts.failures.length }).toEqual({
      passed: 0,
      failed: 1,
      skipped: 7,
      failures: 1,
    });
    expect(counts.failures[0]).toMatch(/^capabilities: .*capabilities\.expiryLagMs must be/s);
  });
});
