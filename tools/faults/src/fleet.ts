// Three SessionHosts with 100 sessions each, and one observer registry that polls
// getForCall over every call, as a dashboard on a fourth node would.
import { SessionHost, type SessionKVStore, SessionRegistry } from "@sessionkv/core";
import { type Log, logError, sessionLogger } from "./log.ts";
import type { Ops } from "./ops.ts";

const HOSTS = 3;
const SESSIONS_PER_HOST = 100;
const CALLS = 30;
export const INTERVAL_MS = 1_000;
export const TTL_MS = 8_000;

interface Node {
  readonly store: SessionKVStore;
  readonly registry: SessionRegistry;
  readonly host: SessionHost;
  /** sessionId → callId of the sessions this host runs. */
  readonly sessions: Map<string, string>;
}

export interface Poll {
  readonly startedAt: number;
  readonly endedAt: number;
  /** Session ids seen; undefined when a call failed (no conclusion about visibility). */
  readonly seen: Set<string> | undefined;
}

const hosted = { close: () => undefined };

export class Fleet {
  readonly #nodes: Node[] = [];
  readonly #observer: { store: SessionKVStore; registry: SessionRegistry };
  readonly #ops: Ops;
  readonly #log: Log;
  #seq = 0;
  /** sessionId → callId for every live session whose add() has resolved, with when. */
  readonly live = new Map<string, { callId: string; since: number }>();
  /** sessionId → when its remove() settled (undefined while pending). */
  readonly removed = new Map<string, number | undefined>();

  constructor(makeStore: () => SessionKVStore, ops: Ops, log: Log) {
    this.#ops = ops;
    this.#log = log;
    const logger = sessionLogger(log);
    for (let i = 0; i < HOSTS; i++) {
      const store = makeStore();
      const registry = new SessionRegistry({ store, nodeId: `host-${i}`, ttlMs: TTL_MS, logger });
      const host = new SessionHost({ registry, maintenanceIntervalMs: INTERVAL_MS, logger });
      this.#nodes.push({ store, registry, host, sessions: new Map() });
    }
    const store = makeStore();
    this.#observer = {
      store,
      registry: new SessionRegistry({ store, nodeId: "observer", ttlMs: TTL_MS, logger }),
    };
  }

  async start(): Promise<void> {
    await Promise.all([...this.#nodes.map((n) => n.host.start()), this.#observer.registry.start()]);
    await Promise.all(
      this.#nodes.flatMap((_, i) => Array.from({ length: SESSIONS_PER_HOST }, () => this.add(i))),
    );
  }

  /** Adds one session on host `i`; it counts as live once add() resolves. */
  async add(i: number): Promise<void> {
    const node = this.#nodes[i]!;
    const seq = this.#seq++;
    const sessionId = `s${seq}`;
    const callId = `call-${seq % CALLS}`;
    node.sessions.set(sessionId, callId);
    const error = (e: unknown) => logError(this.#log, `add ${sessionId}`, e);
    await this.#ops.run(async () => {
      await node.host.add(callId, sessionId, hosted);
      this.live.set(sessionId, { callId, since: Date.now() });
    }, error);
  }

  /** Removes host `i`'s oldest session; once remove() settles it must never be seen again after it was seen gone. */
  async removeOldest(i: number): Promise<void> {
    const node = this.#nodes[i]!;
    const [sessionId, callId] = node.sessions.entries().next().value ?? [];
    if (sessionId === undefined || callId === undefined) return;
    node.sessions.delete(sessionId);
    this.live.delete(sessionId);
    this.removed.set(sessionId, undefined);
    await this.#ops.run(
      () => node.host.remove(callId, sessionId),
      (e) => logError(this.#log, `remove ${sessionId}`, e),
    );
    // Settled either way: a removal that failed for an outage is the host's to retry, and the
    // session must not come back whatever the outcome (core README, "Timeouts and outages").
    this.removed.set(sessionId, Date.now());
  }

  /** During a fault: every host removes one session and starts another. */
  churn(): Promise<unknown> {
    return Promise.all(this.#nodes.flatMap((_, i) => [this.removeOldest(i), this.add(i)]));
  }

  async poll(): Promise<Poll> {
    const startedAt = Date.now();
    const calls = Array.from({ length: CALLS }, (_, c) => `call-${c}`);
    let failed = false;
    const results = await Promise.all(
      calls.map((callId) =>
        this.#ops.run(
          () => this.#observer.registry.getForCall(callId),
          (e) => logError(this.#log, `observer getForCall ${callId}`, e),
        ),
      ),
    );
    const seen = new Set<string>();
    for (const sessions of results) {
      if (sessions === undefined) failed = true;
      else for (const s of sessions) seen.add(s.sessionId);
    }
    return { startedAt, endedAt: Date.now(), seen: failed ? undefined : seen };
  }

  async stop(): Promise<void> {
    const error = (e: unknown) => logError(this.#log, "stop", e);
    await Promise.all(this.#nodes.map((n) => this.#ops.run(() => n.host.stop(), error)));
    for (const node of [...this.#nodes, this.#observer]) {
      await node.registry.stop();
      await this.#ops.run(() => node.store.close(), error);
    }
  }
}
