import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliRun } from "./cli-run.js";
import { writeThirdPartyStore } from "./third-party-store.js";

interface JsonReport {
  passed: number;
  failed: number;
  skipped: number;
  cases: { id: string; title: string; status: string; error?: string }[];
}

interface JUnitCase {
  "@_classname": string;
  "@_name": string;
  skipped?: { "@_message": string };
  failure?: { "@_message": string; "#text"?: string };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sessionkv-junit-"));
  await writeThirdPartyStore(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const parser = new XMLParser({
  ignoreAttributes: false,
  parseAttributeValue: false,
  isArray: (name) => name === "testcase",
});

async function readJUnit(path: string) {
  const xml = await readFile(path, "utf8");
  expect(XMLValidator.validate(xml)).toBe(true);
  const suites = parser.parse(xml).testsuites;
  return { suites, cases: suites.testsuite.testcase as JUnitCase[] };
}

describe("sessionkv-conformance --junit", () => {
  it("writes JUnit XML whose cases, skips and failures match the JSON report of the same run", async () => {
    // A glob-matching store (failures) declaring a longest key the suite does not probe (a skip).
    const { code, stdout } = await cliRun(
      dir,
      ["--store", "./my-store.mjs", "--json", "--junit", "out/report.xml"],
      {
        BROKEN: "keys-glob",
        HUGE_KEYS: "1",
      },
    );
    expect(code).toBe(1);
    const json = JSON.parse(stdout) as JsonReport;
    expect(json.failed).toBeGreaterThan(0);
    expect(json.skipped).toBeGreaterThan(0);
    const { suites, cases } = await readJUnit(join(dir, "out/report.xml"));

    expect(Number(suites["@_tests"])).toBe(json.cases.length);
    expect(Number(suites["@_failures"])).toBe(json.failed);
    expect(Number(suites["@_skipped"])).toBe(json.skipped);
    expect(Number(suites.testsuite["@_tests"])).toBe(json.cases.length);
    expect(cases).toHaveLength(json.cases.length);
    expect(cases.filter((c) => c.failure).length).toBe(json.failed);
    expect(cases.filter((c) => c.skipped).length).toBe(json.skipped);
    for (const [i, c] of json.cases.entries()) {
      const x = cases[i]!;
      expect(x["@_name"]).toBe(`${c.id}: ${c.title}`);
      expect(x["@_classname"]).toBe(c.id.split(".")[0]);
      if (c.status === "skipped") expect(x.skipped?.["@_message"]).toBe(c.error);
      if (c.status === "failed") {
        expect(x.failure?.["@_message"]).toBe(c.error!.split("\n")[0]);
        // The parser trims text nodes; the message is otherwise carried whole.
        expect(x.failure?.["#text"]).toBe(c.error!.trim());
      }
      if (c.status === "passed") expect(x.skipped ?? x.failure).toBeUndefined();
    }
  });

  it("writes one failing testcase when the capabilities manifest is invalid", async () => {
    const { code } = await cliRun(dir, ["--store", "./my-store.mjs", "--junit", "bad.xml"], {
      NO_EXPIRY_LAG: "1",
    });
    expect(code).toBe(1);
    const { suites, cases } = await readJUnit(join(dir, "bad.xml"));
    expect([suites["@_tests"], suites["@_failures"], suites["@_skipped"]]).toEqual(["1", "1", "0"]);
    expect(cases[0]!.failure?.["@_message"]).toMatch(/^capabilities\.expiryLagMs must be/);
  });
});
