#!/usr/bin/env node
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { toJUnit } from "./junit.js";
import { formatResult, formatSummary, formatWallClock, setupFailureReport, toJson } from "./report.js";
import { runConformance } from "./runner.js";
import type { ConformanceReport, StoreFactory } from "./types.js";

const USAGE = `Usage: sessionkv-conformance --store <module> [--filter <text>] [--json] [--junit <file>] [--concurrency <n>]

Runs the sessionkv store conformance suite against the store the module makes.
  --store <module>    path (or package) whose default export is ({ namespace }) => store
  --filter <text>     run only the cases whose id or title contains <text>
  --json              print one JSON report instead of a line per case
  --junit <file>      also write a JUnit XML report to <file> (for CI dashboards)
  --concurrency <n>   cases running at once (default 16)
Exit status: 0 when every case passed or was skipped, 1 when any failed (or the store's
capabilities manifest is invalid, or no case ran), 2 on a usage error.`;

async function loadFactory(specifier: string): Promise<StoreFactory> {
  const isPath = specifier.startsWith(".") || specifier.startsWith("/") || /\.[cm]?[jt]s$/.test(specifier);
  const url = isPath ? pathToFileURL(resolve(process.cwd(), specifier)).href : specifier;
  const loaded = (await import(url)) as { default?: unknown; createStore?: unknown };
  const factory = loaded.default ?? loaded.createStore;
  if (typeof factory !== "function") {
    throw new Error(`${specifier} must default-export a function ({ namespace }) => store`);
  }
  return factory as StoreFactory;
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse();
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  // No embedded default: the suite ships no store, so that no backend is a dependency of it.
  if (args.store === undefined) {
    console.error(`--store is required\n\n${USAGE}`);
    return 2;
  }
  const concurrency = args.concurrency === undefined ? undefined : Number(args.concurrency);
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
    console.error(`--concurrency must be a positive integer\n\n${USAGE}`);
    return 2;
  }
  let createStore: StoreFactory;
  try {
    createStore = await loadFactory(args.store);
  } catch (error) {
    console.error(`sessionkv-conformance: cannot load the store module: ${(error as Error).message}`);
    return 2;
  }
  let report: ConformanceReport;
  try {
    report = await runConformance({
      createStore,
      ...(args.filter === undefined ? {} : { filter: args.filter }),
      ...(concurrency === undefined ? {} : { concurrency }),
      ...(args.json ? {} : { onResult: (result) => console.log(formatResult(result)) }),
    });
  } catch (error) {
    console.error(`sessionkv-conformance: no case ran: ${(error as Error)?.message ?? String(error)}`);
    report = setupFailureReport(error);
    if (!args.json) console.log(formatResult(report.cases[0]!));
  }
  if (args.json) console.log(JSON.stringify(toJson(report), null, 2));
  else console.log(`\n${formatSummary(report)}\n${formatWallClock(report)}`);
  if (args.junit !== undefined) {
    const path = resolve(process.cwd(), args.junit);
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, toJUnit(report));
    } catch (error) {
      console.error(`sessionkv-conformance: cannot write the JUnit report: ${(error as Error).message}`);
      return 2;
    }
  }
  if (report.passed + report.failed === 0) {
    console.error("sessionkv-conformance: no case ran (check --filter)");
    return 1;
  }
  return report.failed > 0 ? 1 : 0;
}

function parse() {
  return parseArgs({
    options: {
      store: { type: "string" },
      filter: { type: "string" },
      json: { type: "boolean", default: false },
      junit: { type: "string" },
      concurrency: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  }).values;
}

const code = await main();
// Exit explicitly once the output is flushed: a store module may hold a client it never closes
// (a module-level ioredis Cluster or Sentinel client, as the Redis README builds them), which
// would keep the process alive forever. Stores the suite made were closed, within a bound, by the runner.
await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
await new Promise<void>((resolve) => process.stderr.write("", () => resolve()));
process.exit(code);
