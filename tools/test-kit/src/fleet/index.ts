import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** How a child process builds its store: a module exporting the store class, and its options. */
export interface FleetStore {
  /** Absolute path of the backend's built entry point (its dist/index.js). */
  readonly modulePath: string;
  /** The store class's export name. */
  readonly exportName: string;
  /** JSON options for the store's constructor; each process makes its own instance. */
  readonly options: Record<string, unknown>;
}

export interface FleetNode {
  readonly nodeId: string;
  readonly expiryLagMs: number;
  /** Sends one command and resolves with the node's answer. */
  send(command: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** SIGKILL: no stop, no delete; resolves once the process is gone. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

const NODE = fileURLToPath(new URL("./seat-node.js", import.meta.url));

/** Starts `count` node processes, each a SessionHost on its own store instance. */
export async function startFleet(
  store: FleetStore,
  count: number,
  timing: { ttlMs: number; intervalMs: number },
): Promise<FleetNode[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      startNode(store, `node-${i}-${process.pid}`, timing.ttlMs, timing.intervalMs),
    ),
  );
}

async function startNode(
  store: FleetStore,
  nodeId: string,
  ttlMs: number,
  intervalMs: number,
): Promise<FleetNode> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      NODE,
      store.modulePath,
      store.exportName,
      JSON.stringify(store.options),
      nodeId,
      String(ttlMs),
      String(intervalMs),
    ],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const waiting = new Map<number, (answer: Record<string, unknown>) => void>();
  let ready: (answer: Record<string, unknown>) => void = () => undefined;
  const started = new Promise<Record<string, unknown>>((resolve, reject) => {
    ready = resolve;
    child.once("exit", (code) =>
      reject(new Error(`fleet node ${nodeId} exited with ${code} before it was ready`)),
    );
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const answer = JSON.parse(line) as Record<string, unknown>;
    if (answer.ready === true) ready(answer);
    else waiting.get(answer.id as number)?.(answer);
  });
  const hello = await started;
  let next = 0;
  const send = (command: Record<string, unknown>) => {
    const id = next++;
    const answered = new Promise<Record<string, unknown>>((resolve) => waiting.set(id, resolve));
    child.stdin!.write(`${JSON.stringify({ id, ...command })}\n`);
    return answered;
  };
  return {
    nodeId,
    expiryLagMs: hello.expiryLagMs as number,
    send,
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await Promise.race([send({ op: "stop" }), exited]);
      await exited;
    },
  };
}

/** What one round of adds into one call gave. */
export interface RaceRound {
  readonly won: number;
  /** Codes of the rejected adds. */
  readonly rejected: readonly string[];
  /** Seats and records of the call read after the round. */
  readonly seatsTaken: number;
  readonly records: number;
}

/** Every node adds `perNode` sessions into one call with `limit`, all at once. */
export async function raceSeats(
  fleet: readonly FleetNode[],
  callId: string,
  limit: number,
  perNode: number,
): Promise<RaceRound> {
  const answers = await Promise.all(
    fleet.flatMap((node, n) =>
      Array.from({ length: perNode }, (_, k) =>
        node.send({ op: "add", callId, sessionId: `${callId}-s-${n}-${k}`, limit }),
      ),
    ),
  );
  const count = await fleet[0]!.send({ op: "count", callId });
  return {
    won: answers.filter((a) => a.ok === true).length,
    rejected: answers.filter((a) => a.ok !== true).map((a) => String(a.code)),
    seatsTaken: (count.seats as { taken: number }).taken,
    records: count.sessions as number,
  };
}

/** Every node adds the same session id at once. */
export async function raceSameId(
  fleet: readonly FleetNode[],
  callId: string,
  sessionId: string,
): Promise<RaceRound> {
  const answers = await Promise.all(fleet.map((node) => node.send({ op: "add", callId, sessionId })));
  const count = await fleet[0]!.send({ op: "count", callId });
  return {
    won: answers.filter((a) => a.ok === true).length,
    rejected: answers.filter((a) => a.ok !== true).map((a) => String(a.code)),
    seatsTaken: (count.seats as { taken: number }).taken,
    records: count.sessions as number,
  };
}

/**
 * Each node takes one seat of a fresh call, then `victim` is killed: resolves how long after the
 * kill the survivors saw its seat free (polled every `pollMs`), and whether a survivor then took it.
 */
export async function killedNodeFreesSeat(
  fleet: readonly FleetNode[],
  victim: FleetNode,
  callId: string,
  options: { pollMs: number; giveUpMs: number },
): Promise<{ freedAfterMs: number; retaken: boolean }> {
  const limit = fleet.length;
  const added = await Promise.all(
    fleet.map((node, n) => node.send({ op: "add", callId, sessionId: `k-${n}`, limit })),
  );
  if (added.some((a) => a.ok !== true)) throw new Error(`setup adds failed: ${JSON.stringify(added)}`);
  const survivor = fleet.find((n) => n !== victim)!;
  const killedAt = Date.now();
  await victim.kill();
  for (;;) {
    const count = await survivor.send({ op: "count", callId });
    const taken = (count.seats as { taken: number }).taken;
    if (taken < limit) {
      const freedAfterMs = (count.at as number) - killedAt;
      const again = await survivor.send({ op: "add", callId, sessionId: "after-kill", limit });
      return { freedAfterMs, retaken: again.ok === true };
    }
    if (Date.now() - killedAt > options.giveUpMs)
      return { freedAfterMs: Number.POSITIVE_INFINITY, retaken: false };
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
  }
}
