// The price of the diagnostics channels nobody subscribes to (core README, "Diagnostics
// channels"): an in-memory `get` and a 10,000-session host cycle, on this build of core against
// the same code as it was before the channels, in one run.
//
//   node bench/channels.bench.ts        (from packages/core, after a build; `pnpm bench`)
//
// "Before" is core's source at the parent of the commit that added the channels (or
// BENCH_BASELINE_REV), compiled into a temporary directory with this repo's tsc. Both builds are
// loaded side by side; the same store (a Map, defined below over each build's BaseSessionKVStore)
// and the same host work run on each. A Map store is the cheapest store there is, so the channels'
// share of its `get` is the largest they can have on any store.
//
// Sides alternate block by block (the side going first alternating too), so both see the same
// machine load; the table shows median µs per call over the rounds and the median of each
// round's with ÷ without. Bound: 1.02. BENCH_WITH_DIST=<another build of the baseline> compares the
// baseline with itself: the spread of the harness on this machine.
import { execFileSync } from "node:child_process";
import { tracingChannel } from "node:diagnostics_channel";
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

type Core = typeof import("../src/index.ts");
type Kit = typeof import("../src/store-kit.ts");
type MapStoreModule = typeof import("./map-store.ts");

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../../..");
const BOUND = 1.02;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 21);
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 10_000);

function git(...args: string[]): string {
  return execFileSync("git", ["-C", repo, ...args], { encoding: "utf8" }).trim();
}

/** Core as it was before the channels, compiled once per revision into the temp directory. */
function baselineDist(): string {
  const added = git("log", "--diff-filter=A", "--format=%H", "--", "packages/core/src/diagnostics/names.ts")
    .split("\n")
    .at(-1);
  const rev = process.env.BENCH_BASELINE_REV ?? `${added}^`;
  const sha = git("rev-parse", "--short", rev);
  const dir = join(tmpdir(), `sessionkv-core-baseline-${sha}`);
  const dist = join(dir, "packages/core/dist");
  if (!existsSync(join(dist, "index.js"))) {
    mkdirSync(dir, { recursive: true });
    const archive = execFileSync("git", ["-C", repo, "archive", sha, "packages/core", "tsconfig.base.json"]);
    execFileSync("tar", ["-x", "-C", dir], { input: archive });
    if (!existsSync(join(dir, "node_modules")))
      symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"));
    execFileSync(
      join(repo, "node_modules/.bin/tsc"),
      ["-p", join(dir, "packages/core/tsconfig.build.json")],
      {
        stdio: "inherit",
      },
    );
  }
  console.log(`without: core at ${sha} (${dist})`);
  return dist;
}

interface Build {
  readonly core: Core;
  readonly kit: Kit;
  /** This build's own copy of the bench store's module: no call site is shared between the sides. */
  readonly mapStore: (kit: Kit) => ReturnType<MapStoreModule["mapStore"]>;
}

async function load(dist: string, side: string): Promise<Build> {
  const core = (await import(pathToFileURL(join(dist, "index.js")).href)) as Core;
  const kit = (await import(pathToFileURL(join(dist, "store-kit.js")).href)) as Kit;
  const { mapStore } = (await import(`./map-store.ts?side=${side}`)) as MapStoreModule;
  return { core, kit, mapStore };
}

interface Side {
  readonly name: string;
  readonly run: () => Promise<unknown>;
}

/** µs per call of each side, `block` calls at a time, alternating; medians over the rounds. */
async function compareSides(
  title: string,
  sides: readonly [Side, Side],
  block: number,
  blocksPerRound: number,
): Promise<boolean> {
  const times: [number[], number[]] = [[], []];
  const ratios: number[] = [];
  // CPU time, not wall time: on a shared machine a process loses the CPU for milliseconds at a
  // time, which would bill one side for the other engineers' builds.
  const time = async (side: Side) => {
    global.gc?.();
    const started = process.cpuUsage();
    for (let i = 0; i < block; i++) await side.run();
    const spent = process.cpuUsage(started);
    return spent.user + spent.system;
  };
  for (let i = 0; i < blocksPerRound; i++) for (const side of sides) await time(side);
  for (let round = 0; round < ROUNDS; round++) {
    const spent = [0, 0];
    for (let b = 0; b < blocksPerRound; b++) {
      const order = (b + round) % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) spent[i] = (spent[i] as number) + (await time(sides[i] as Side));
    }
    const calls = block * blocksPerRound;
    times[0].push((spent[0] as number) / calls);
    times[1].push((spent[1] as number) / calls);
    ratios.push((spent[0] as number) / (spent[1] as number));
  }
  const ratio = median(ratios);
  const ok = ratio <= BOUND;
  console.log(
    `${title.padEnd(34)} with ${median(times[0]).toFixed(2).padStart(9)} µs   without ${median(times[1])
      .toFixed(2)
      .padStart(9)} µs   with÷without ${ratio.toFixed(3)}   ≤${BOUND} ${ok ? "ok" : "OVER"}`,
  );
  return ok;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function hostOf({ core, kit, mapStore }: Build) {
  const Store = mapStore(kit);
  const store = new Store();
  const registry = new core.SessionRegistry({ store, ttlMs: 300_000, logger: core.silentLogger });
  // An interval longer than the bench: only runCycle() runs cycles.
  const host = new core.SessionHost({ registry, maintenanceIntervalMs: 100_000, logger: core.silentLogger });
  await host.start();
  for (let i = 0; i < SESSIONS; i++)
    await host.add("call", `s${i}`, { close: () => undefined, metrics: () => ({ n: 1 }) });
  return { store, host };
}

async function main(): Promise<void> {
  const withChannels = await load(process.env.BENCH_WITH_DIST ?? join(here, "../dist"), "with");
  const without = await load(baselineDist(), "without");
  for (const name of ["sessionkv:store:operation", "sessionkv:host:cycle"])
    if (tracingChannel(name).hasSubscribers)
      throw new Error(`${name} has a subscriber: not the unobserved cost`);

  const value = new Uint8Array(64).fill(7);
  const stores = [
    new (withChannels.mapStore(withChannels.kit))(),
    new (without.mapStore(without.kit))(),
  ] as const;
  for (const store of stores) {
    await store.start();
    await store.set("k", value, 600_000);
  }
  console.log(`node ${process.version}, ${ROUNDS} rounds`);
  const getOk = await compareSides(
    "in-memory get",
    [
      { name: "with", run: () => stores[0].get("k") },
      { name: "without", run: () => stores[1].get("k") },
    ],
    2_000,
    10,
  );
  await Promise.all(stores.map((s) => s.close()));

  const hosts = [await hostOf(withChannels), await hostOf(without)] as const;
  const cycleOk = await compareSides(
    `host cycle, ${SESSIONS.toLocaleString("en-US")} sessions`,
    [
      { name: "with", run: () => hosts[0].host.runCycle() },
      { name: "without", run: () => hosts[1].host.runCycle() },
    ],
    2,
    3,
  );
  for (const { host, store } of hosts) {
    await host.stop();
    await store.close();
  }
  console.log(`load average at the end: ${loadavg()[0]?.toFixed(1)}`);
  if (!getOk || !cycleOk) process.exitCode = 1;
}

await main();
