#!/usr/bin/env node
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { formatResult, formatSummary, toJson } from "./report.js";
import { runConformance } from "./runner.js";
import type { StoreFactory } from "./types.js";

const USAGE = `Usage: sessionkv-conformance --store <module> [--filter <text>] [--json] [--concurrency <n>]

Runs the sessionkv store conformance suite against the store the module makes.
  --store <module>    path (or package) whose default export is ({ namespace }) => store
  --filter <text>     run only the cases whose id or title contains <text>
  --json              print one JSON report instead of a line per case
  --concurrency <n>   cases running at once (default 16)
Exit status: 0 when every case passed or was skipped, 1 when any failed, 2 on a usage error.`;

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
  const report = await runConformance({
    createStore,
    ...(args.filter === undefined ? {} : { filter: args.filter }),
    ...(concurrency === undefined ? {} : { concurrency }),
    ...(args.json ? {} : { onResult: (result) => console.log(formatResult(result)) }),
  });
  if (args.json) console.log(JSON.stringify(toJson(report), null, 2));
  else console.log(`\n${formatSummary(report)}`);
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
      concurrency: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  }).values;
}

process.exitCode = await main();
