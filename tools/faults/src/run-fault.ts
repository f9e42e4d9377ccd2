// One fault against one target: fresh servers, the fleet, `cycles` rounds of fault, recovery
// and observation, then the figures.
import { Fleet, INTERVAL_MS, type Poll, TTL_MS } from "./fleet.ts";
import { Log, captureConsole, logError } from "./log.ts";
import { Ops } from "./ops.ts";
import { type Fault, OBSERVER_PAUSE_MS, type Target } from "./target.ts";
import { Visibility } from "./visibility.ts";

/** A call slower than this has hung: beyond every store timeout and host cycle budget. */
const HANG_MS = 15_000;
/** How long after recovery the observer keeps polling for full visibility before giving up. */
const RECOVERY_BOUND_MS = TTL_MS + 10 * INTERVAL_MS;

export interface Figures {
  /** Cycles completed. */
  readonly cycles: number;
  /** Why the cycles stopped early, when the fault itself could not be caused or ended. */
  readonly failure: string | undefined;
  /** Per cycle: from the start of the fault to its end (servers answering again, a new primary serving). */
  readonly outageMs: number[];
  /** Per cycle: from the end of the fault to a poll showing every live session and no removed one. */
  readonly recoveryMs: number[];
  /** Cycles where full visibility never came within RECOVERY_BOUND_MS. */
  readonly unrecovered: number;
  /** Sessions missing from the first poll that started more than one interval after recovery (summed over cycles). */
  readonly invisible: number;
  readonly resurrections: number;
  readonly hung: number;
  readonly unhandledRejections: number;
  readonly handleGrowth: number;
  readonly heapGrowthBytes: number;
  /** Undefined where the backend ran without a password (see the target). */
  readonly secretsFound: number | undefined;
  readonly logLines: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function snapshot() {
  (globalThis as { gc?: () => void }).gc?.();
  return { handles: process.getActiveResourcesInfo().length, heap: process.memoryUsage().heapUsed };
}

/** Polls until full visibility; returns the recovery time (undefined: not within the bound) and the invisible count. */
async function observe(fleet: Fleet, visibility: Visibility, recoveredAt: number, log: Log, pauseMs: number) {
  let invisible: number | undefined;
  let lastMissing = 0;
  while (Date.now() - recoveredAt < RECOVERY_BOUND_MS) {
    const poll = await fleet.poll();
    const missing = visibility.missing(fleet, poll);
    // A poll that fails shows nothing: to the observer, every session is invisible.
    lastMissing = missing?.length ?? fleet.live.size;
    if (invisible === undefined && poll.startedAt >= recoveredAt + INTERVAL_MS) {
      invisible = lastMissing;
      // Which sessions, and how long they had been live: what --log needs to explain the figure.
      if (lastMissing > 0) log.add(`observer: ${describeMissing(fleet, poll, missing, recoveredAt)}`);
    }
    if (poll.startedAt >= recoveredAt && visibility.complete(fleet, poll))
      return { recoveryMs: poll.endedAt - recoveredAt, invisible: invisible ?? 0 };
    await sleep(pauseMs);
  }
  return { recoveryMs: undefined, invisible: invisible ?? lastMissing };
}

function describeMissing(fleet: Fleet, poll: Poll, missing: string[] | undefined, recoveredAt: number) {
  const at = poll.startedAt - recoveredAt;
  if (missing === undefined) return `the poll ${at} ms after recovery failed`;
  const which = missing
    .slice(0, 20)
    .map(
      (id) =>
        `${id} (${fleet.live.get(id)?.callId}, live since ${fleet.live.get(id)!.since - recoveredAt} ms)`,
    );
  return `${missing.length} live sessions missing from the poll ${at} ms after recovery: ${which.join(", ")}`;
}

export async function runFault(
  target: Target,
  fault: Fault,
  cycles: number,
  log: Log = new Log(target.secret),
): Promise<Figures> {
  let unhandled = 0;
  const onUnhandled = (reason: unknown) => {
    unhandled++;
    logError(log, "unhandled rejection", reason);
  };
  process.on("unhandledRejection", onUnhandled);
  const restoreConsole = captureConsole(log);
  const ops = new Ops(HANG_MS);
  const rig = await target.setup(fault, log);
  const pauseMs = target.observerPauseMs ?? OBSERVER_PAUSE_MS;
  const fleet = new Fleet(rig.store, ops, log);
  const visibility = new Visibility();
  const recoveryMs: number[] = [];
  const outageMs: number[] = [];
  let unrecovered = 0;
  let invisible = 0;
  let failure: string | undefined;
  try {
    await fleet.start();
    const warm = await observe(fleet, visibility, Date.now(), log, pauseMs);
    if (warm.recoveryMs === undefined)
      throw new Error(`${target.name}: the fleet never became fully visible`);
    const before = snapshot();
    for (let cycle = 0; cycle < cycles; cycle++) {
      // The churn lands while the fault is on: removals and additions the stores must not lose.
      const injectedAt = Date.now();
      const churn = sleep(300).then(() => fleet.churn());
      try {
        await rig.inject();
        await sleep(rig.holdMs);
        await rig.recover();
      } catch (error) {
        // The fault itself went wrong (no promotion, no restart): the cycles so far still count.
        failure = `cycle ${cycle + 1}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`;
        await ops.run(() => churn);
        break;
      }
      const recoveredAt = Date.now();
      outageMs.push(recoveredAt - injectedAt);
      const seen = await observe(fleet, visibility, recoveredAt, log, pauseMs);
      await ops.run(() => churn);
      if (seen.recoveryMs === undefined) unrecovered++;
      recoveryMs.push(seen.recoveryMs ?? RECOVERY_BOUND_MS);
      invisible += seen.invisible;
      await sleep(INTERVAL_MS);
    }
    await sleep(2 * INTERVAL_MS);
    const after = snapshot();
    await fleet.stop();
    return {
      cycles: recoveryMs.length,
      failure,
      outageMs,
      recoveryMs,
      unrecovered,
      invisible,
      resurrections: visibility.resurrections,
      hung: ops.hung,
      unhandledRejections: unhandled,
      handleGrowth: after.handles - before.handles,
      heapGrowthBytes: after.heap - before.heap,
      secretsFound: log.secretsFound,
      logLines: log.lines,
    };
  } finally {
    await rig.stop();
    restoreConsole();
    process.off("unhandledRejection", onUnhandled);
  }
}
