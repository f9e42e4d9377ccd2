// Push close against polling, in the same run (core README, "Push close"): node processes each
// run two hosts on one store, one with push close and one polling only, at the default 5 s
// interval. The driver (itself a third node) asks for closes of sessions on both and times each
// from `requestClose` to the owner's `close` callback, then cuts the subscriber connections
// mid-run and checks that every close still arrives within one interval plus a round trip.
import { type ChildProcess, fork } from "node:child_process";
import {
  DEFAULT_MAINTENANCE_INTERVAL_MS,
  SessionHost,
  type SessionKVStore,
  SessionRegistry,
  silentLogger,
} from "@sessionkv/core";
import { sleep } from "@sessionkv/core/store-kit";
import { median } from "./bench.js";

const now = (): number => performance.timeOrigin + performance.now();
const TTL_MS = 30_000;

type ToNode =
  | {
      readonly type: "add";
      readonly host: "push" | "poll";
      readonly callId: string;
      readonly sessionId: string;
    }
  | { readonly type: "stop" };
type FromNode =
  | { readonly type: "ready"; readonly subscribed: boolean }
  | { readonly type: "added"; readonly sessionId: string }
  | { readonly type: "closed"; readonly sessionId: string; readonly at: number };

/**
 * The body of a node process: two hosts on `createStore()`'s store, `{nodeId}-push` (push close
 * on) and `{nodeId}-poll` (off), adding sessions as the driver asks and reporting their closes.
 */
export async function pushCloseBenchNode(createStore: () => SessionKVStore): Promise<void> {
  const nodeId = process.env.BENCH_NODE_ID ?? "node";
  const intervalMs = Number(process.env.BENCH_INTERVAL_MS ?? DEFAULT_MAINTENANCE_INTERVAL_MS);
  const store = createStore();
  const host = (suffix: "push" | "poll") =>
    new SessionHost({
      registry: new SessionRegistry({
        store,
        nodeId: `${nodeId}-${suffix}`,
        ttlMs: TTL_MS,
        logger: silentLogger,
      }),
      maintenanceIntervalMs: intervalMs,
      pushClose: suffix === "push",
      logger: silentLogger,
    });
  const hosts = { push: host("push"), poll: host("poll") };
  await Promise.all([hosts.push.start(), hosts.poll.start()]);
  const send = (message: FromNode) => process.send?.(message);
  const began = Date.now();
  while (!hosts.push.doorbellSubscribed && Date.now() - began < 10_000) await sleep(10);
  send({ type: "ready", subscribed: hosts.push.doorbellSubscribed });
  process.on("message", (message: ToNode) => {
    if (message.type === "stop") {
      void Promise.all([hosts.push.stop(), hosts.poll.stop()])
        .then(() => store.close())
        .finally(() => process.exit(0));
      return;
    }
    const { callId, sessionId } = message;
    void hosts[message.host]
      .add(callId, sessionId, { close: () => void send({ type: "closed", sessionId, at: now() }) })
      .then(() => send({ type: "added", sessionId }));
  });
}

export interface PushCloseBenchOptions {
  /** Shown in the table. */
  readonly label: string;
  /** The driver's own store (the requesting node), on the same server and namespace as the nodes'. */
  readonly store: SessionKVStore;
  /** The node process's script: it calls `pushCloseBenchNode` with a store on the same server. */
  readonly nodeScript: URL;
  /** Node processes (each with a push and a polling host). Default 2; the driver is one more node. */
  readonly nodes?: number;
  /** Extra environment for the node processes (the server's URL...). */
  readonly env?: Readonly<Record<string, string>>;
  /** Closes timed per mode before the cut. Default 200 with push, 40 by polling (BENCH_PUSH_CLOSES, BENCH_POLL_CLOSES). */
  readonly closes?: { readonly push?: number; readonly poll?: number };
  /** Cuts the node processes' subscriber connections for real; omitted: no cut phase. */
  readonly cutSubscribers?: () => Promise<void>;
  readonly intervalMs?: number;
  /** Nodes in this process instead of child processes (an in-process store, which no other process shares). */
  readonly inProcess?: boolean;
}

export interface LatencyRow {
  readonly label: string;
  readonly mode: string;
  readonly count: number;
  readonly medianMs: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

interface Node {
  send(message: ToNode): void;
  on(listener: (message: FromNode) => void): void;
  stop(): Promise<void>;
}

/** Runs the benchmark and returns its rows (also printed). */
export async function pushCloseBench(options: PushCloseBenchOptions): Promise<LatencyRow[]> {
  const intervalMs = options.intervalMs ?? DEFAULT_MAINTENANCE_INTERVAL_MS;
  const count = options.nodes ?? 2;
  const requester = new SessionRegistry({
    store: options.store,
    nodeId: "driver",
    ttlMs: TTL_MS,
    logger: silentLogger,
  });
  await requester.start();
  const nodes = await Promise.all(
    Array.from({ length: count }, (_, i) => startNode(options, `n${i}`, intervalMs)),
  );
  const pending = new Map<string, { added: () => void; closed: (at: number) => void }>();
  for (const node of nodes) {
    node.on((message) => {
      const waiter = pending.get(message.type === "ready" ? "" : message.sessionId);
      if (message.type === "added") waiter?.added();
      if (message.type === "closed") waiter?.closed(message.at);
    });
  }
  let serial = 0;
  /** How long each requestClose itself took (the flag's read and write, and the doorbell). */
  let requestMs: number[] = [];
  /** One close: a session added on a node, a random wait (any phase of its cycle), the request, the callback. */
  const timeClose = async (host: "push" | "poll", spreadMs: number): Promise<number> => {
    const sessionId = `s${serial++}`;
    const node = nodes[serial % nodes.length]!;
    let added!: () => void;
    let closed!: (at: number) => void;
    const addedP = new Promise<void>((resolve) => {
      added = resolve;
    });
    const closedP = new Promise<number>((resolve) => {
      closed = resolve;
    });
    pending.set(sessionId, { added, closed });
    node.send({ type: "add", host, callId: "bench", sessionId });
    await addedP;
    await sleep(Math.random() * spreadMs);
    const t0 = now();
    await requester.requestClose("bench", sessionId);
    requestMs.push(now() - t0);
    const at = await closedP;
    pending.delete(sessionId);
    return at - t0;
  };
  const closes = {
    push: options.closes?.push ?? Number(process.env.BENCH_PUSH_CLOSES ?? 200),
    poll: options.closes?.poll ?? Number(process.env.BENCH_POLL_CLOSES ?? 40),
  };
  // The round trip of one store call, for the bound of a close that must be found by polling.
  const trips: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = now();
    await options.store.get("bench-round-trip");
    trips.push(now() - t0);
  }
  const roundTripMs = median(trips);
  // Warm-up (connections, JIT), not counted.
  for (let i = 0; i < 5; i++) await timeClose("push", 0);
  requestMs = [];
  const rows: LatencyRow[] = [];
  try {
    // Side by side: the polling closes run concurrently, spread over two intervals, while the
    // push closes go one after the other.
    const polled = Promise.all(Array.from({ length: closes.poll }, () => timeClose("poll", 2 * intervalMs)));
    const pushed: number[] = [];
    for (let i = 0; i < closes.push; i++) pushed.push(await timeClose("push", 50));
    const pushRequestMs = median(requestMs.slice(0, closes.push));
    rows.push(row(options.label, "push", pushed), row(options.label, "poll only", await polled));
    console.log(
      `${options.label}: requestClose alone took ${pushRequestMs.toFixed(1)} ms (median, during the push closes)`,
    );
    if (options.cutSubscribers !== undefined) {
      // Closes requested around a cut of every node's subscriber connection: doorbells are lost
      // while it is down, and the flag (read on the reset's cycle, or the next one) still closes.
      const around = Array.from({ length: 20 }, () => timeClose("push", intervalMs));
      await sleep(intervalMs / 4);
      await options.cutSubscribers();
      rows.push(row(options.label, "push, subscriber cut", await Promise.all(around)));
    }
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await requester.stop();
  }
  print(rows, intervalMs, roundTripMs);
  return rows;
}

async function startNode(options: PushCloseBenchOptions, nodeId: string, intervalMs: number): Promise<Node> {
  const env = {
    ...process.env,
    ...options.env,
    BENCH_NODE_ID: nodeId,
    BENCH_INTERVAL_MS: String(intervalMs),
  };
  if (options.inProcess === true) return inProcessNode(options.store, nodeId, intervalMs);
  const child: ChildProcess = fork(options.nodeScript, [], {
    env,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const ready = new Promise<boolean>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`node ${nodeId} exited with ${code}`)));
    child.on("message", (message: FromNode) => {
      if (message.type === "ready") resolve(message.subscribed);
    });
  });
  const subscribed = await ready;
  if (!subscribed) throw new Error(`node ${nodeId}: its push host never subscribed`);
  return {
    send: (message) => child.send(message),
    on: (listener) => child.on("message", listener),
    stop: async () => {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.send({ type: "stop" });
      await Promise.race([exited, sleep(10_000)]);
      child.kill();
    },
  };
}

/** The node body for an in-process store: hosts of this process on the driver's store. */
async function inProcessNode(store: SessionKVStore, nodeId: string, intervalMs: number): Promise<Node> {
  const listeners: ((message: FromNode) => void)[] = [];
  const emit = (message: FromNode) => {
    for (const l of listeners) l(message);
  };
  const host = (suffix: "push" | "poll") =>
    new SessionHost({
      registry: new SessionRegistry({
        store,
        nodeId: `${nodeId}-${suffix}`,
        ttlMs: TTL_MS,
        logger: silentLogger,
      }),
      maintenanceIntervalMs: intervalMs,
      pushClose: suffix === "push",
      logger: silentLogger,
    });
  const hosts = { push: host("push"), poll: host("poll") };
  await Promise.all([hosts.push.start(), hosts.poll.start()]);
  while (!hosts.push.doorbellSubscribed) await sleep(5);
  return {
    send: (message) => {
      if (message.type === "stop") return;
      const { callId, sessionId } = message;
      void hosts[message.host]
        .add(callId, sessionId, { close: () => emit({ type: "closed", sessionId, at: now() }) })
        .then(() => emit({ type: "added", sessionId }));
    },
    on: (listener) => void listeners.push(listener),
    stop: async () => {
      await Promise.all([hosts.push.stop(), hosts.poll.stop()]);
    },
  };
}

function row(label: string, mode: string, latencies: readonly number[]): LatencyRow {
  const sorted = [...latencies].sort((a, b) => a - b);
  const p99 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? Number.NaN;
  return {
    label,
    mode,
    count: sorted.length,
    medianMs: median(sorted),
    p99Ms: p99,
    maxMs: sorted.at(-1) ?? Number.NaN,
  };
}

function print(rows: readonly LatencyRow[], intervalMs: number, roundTripMs: number): void {
  const ms = (value: number) => (value < 100 ? value.toFixed(1) : Math.round(value).toString());
  console.log(`\ncross-node close, requestClose → owner's close callback (interval ${intervalMs} ms)`);
  console.log("| store | mode | closes | median ms | p99 ms | max ms |");
  console.log("|---|---|---:|---:|---:|---:|");
  for (const r of rows)
    console.log(
      `| ${r.label} | ${r.mode} | ${r.count} | ${ms(r.medianMs)} | ${ms(r.p99Ms)} | ${ms(r.maxMs)} |`,
    );
  const verdict = (ok: boolean) => (ok ? "ok" : "OVER");
  for (const r of rows) {
    if (r.mode === "push")
      console.log(
        `${r.label}: push median ${ms(r.medianMs)} ms (target ≤ 10): ${verdict(r.medianMs <= 10)}; p99 ${ms(r.p99Ms)} ms (target ≤ 50): ${verdict(r.p99Ms <= 50)}`,
      );
    else {
      const bound = intervalMs + roundTripMs;
      console.log(
        `${r.label}: ${r.mode} max ${ms(r.maxMs)} ms (bound: interval + round trip = ${ms(bound)} ms): ${verdict(r.maxMs <= bound)}`,
      );
    }
  }
}
