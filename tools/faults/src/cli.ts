// The fault-injection command (docs/faults.md has the method and the figures): containers on
// 127.0.0.1, three SessionHosts with 100 sessions each and one observer, and per backend the
// faults it can have. Prints one markdown table (docs/faults.md shows the latest).
//   pnpm faults <target...|all> [--cycles 20] [--slow-cycles 5] [--faults pause,drop,...] [--log FILE]
// --cycles counts rounds of the quick faults (pause, drop), over which handle and heap growth
// is measured; --slow-cycles those of restarts and failovers; --log writes everything the
// stores, hosts and clients reported, per fault. Needs `pnpm build` first. An interrupted run
// (SIGINT, SIGTERM) removes the containers it started.

import { appendFileSync } from "node:fs";
import { loadavg } from "node:os";
import { removeContainersOnInterrupt } from "./interrupt.ts";
import { Log } from "./log.ts";
import { type Figures, runFault } from "./run-fault.ts";
import { type Row, markdownTable } from "./table.ts";
import { FAULTS, type Fault, type Target } from "./target.ts";
import { dynamodb } from "./targets/dynamodb.ts";
import { etcdCluster, etcdSingle } from "./targets/etcd.ts";
import { memcached } from "./targets/memcached.ts";
import { redisCluster, redisSentinel, redisStandalone } from "./targets/redis.ts";

const TARGETS = {
  redis: redisStandalone,
  "redis-cluster": redisCluster,
  "redis-sentinel": redisSentinel,
  etcd: etcdSingle,
  "etcd-cluster": etcdCluster,
  memcached: () => memcached(1),
  "memcached-pool": () => memcached(3),
  dynamodb,
} as const satisfies Record<string, () => Target>;
type TargetName = keyof typeof TARGETS;
const SLOW: readonly Fault[] = ["restart-empty", "restart-data", "failover"];

function usage(message: string): never {
  console.error(`pnpm faults: ${message}`);
  console.error(
    `usage: pnpm faults <${Object.keys(TARGETS).join("|")}|all>... [--cycles N] [--slow-cycles N] [--faults a,b] [--log FILE]`,
  );
  process.exit(2);
}

function parse(argv: readonly string[]) {
  const names: TargetName[] = [];
  let cycles = 20;
  let slowCycles = 5;
  let faults: readonly Fault[] = FAULTS;
  let logFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => argv[++i] ?? usage(`${arg} needs a value`);
    const count = () => {
      const n = Number(value());
      return Number.isInteger(n) && n > 0 && n <= 100 ? n : usage(`${arg} must be 1..100`);
    };
    if (arg === "--cycles") cycles = count();
    else if (arg === "--slow-cycles") slowCycles = count();
    else if (arg === "--log") logFile = value();
    else if (arg === "--faults") {
      faults = value().split(",") as Fault[];
      for (const f of faults)
        if (!FAULTS.includes(f)) usage(`no fault ${JSON.stringify(f)}; faults: ${FAULTS.join(",")}`);
    } else if (arg === "all") names.push(...(Object.keys(TARGETS) as TargetName[]));
    else if (arg in TARGETS) names.push(arg as TargetName);
    else usage(`no target ${JSON.stringify(arg)}`);
  }
  if (names.length === 0) usage("name at least one target");
  return { names, cycles, slowCycles, faults, logFile };
}

const { names, cycles, slowCycles, faults, logFile } = parse(process.argv.slice(2));
if (typeof (globalThis as { gc?: unknown }).gc !== "function")
  console.error("pnpm faults: run with --expose-gc for heap figures");
const load = () =>
  loadavg()
    .map((n) => n.toFixed(1))
    .join(" ");
const startedAt = new Date();
removeContainersOnInterrupt();
const startLoad = load();
console.error(`pnpm faults: ${names.join(", ")}; load average ${startLoad}`);
const rows: Row[] = [];
for (const name of names) {
  const target = TARGETS[name]();
  for (const fault of faults) {
    const applies = target.faults[fault];
    let figures: Figures | string;
    if (applies !== true) figures = `n/a: ${applies ?? "not measured"}`;
    else {
      const began = Date.now();
      if (logFile) appendFileSync(logFile, `## ${target.name} / ${fault}\n`);
      const log = new Log(target.secret, logFile);
      try {
        figures = await runFault(target, fault, SLOW.includes(fault) ? slowCycles : cycles, log);
      } catch (error) {
        figures = `failed: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`;
      }
      console.error(
        `pnpm faults: ${target.name} / ${fault} done in ${((Date.now() - began) / 1000).toFixed(0)} s`,
      );
    }
    rows.push({ target: target.name, fault, figures });
  }
}
console.log(
  `Fault figures, ${startedAt.toISOString().slice(0, 16)}Z, load average ${startLoad} at the start, ${load()} at the end ` +
    `(${cycles} quick / ${slowCycles} slow cycles):\n`,
);
console.log(markdownTable(rows));
process.exit(0);
