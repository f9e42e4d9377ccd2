import { TcpProxy } from "@sessionkv/conformance/testing";
// Pieces every target uses: server starts, proxies in front of them, and a rig builder.
import { startBackend } from "@sessionkv/test-kit";
import type { Backend } from "@sessionkv/test-kit";
import type { StartOptions, StartedServer } from "@sessionkv/test-kit";
import type { Fault, Rig } from "../target.ts";
import { PAUSE_MS } from "../target.ts";

export function start(backend: Backend, options: StartOptions = {}): Promise<StartedServer> {
  return startBackend(backend, { startupTimeoutMs: 120_000, ...options });
}

/** A proxy in front of each of the servers' 127.0.0.1 ports. */
export async function proxies(ports: readonly number[]): Promise<TcpProxy[]> {
  return Promise.all(ports.map((port) => TcpProxy.start(new URL(`tcp://127.0.0.1:${port}`))));
}

export interface RigParts {
  readonly servers: readonly StartedServer[];
  readonly proxies?: readonly TcpProxy[];
  readonly store: Rig["store"];
  /** Overrides of the default fault actions (pause/restart the first server, drop every proxy). */
  readonly inject?: Rig["inject"];
  readonly recover?: Rig["recover"];
  /** Run after every restart (e.g. to enable authentication on a server that came back empty). */
  readonly afterRestart?: () => Promise<void>;
  /** Extra clean-up (clients the stores were given). */
  readonly close?: () => Promise<void>;
}

/** The default action of each fault, on the first server: pause, restart, or drop through the proxies. */
export function rig(fault: Fault, parts: RigParts): Rig {
  const server = parts.servers[0]!;
  const restart = async () => {
    await server.restart();
    await parts.afterRestart?.();
  };
  const actions: Record<Fault, Pick<Rig, "inject" | "recover" | "holdMs">> = {
    pause: { inject: () => server.pause(), recover: () => server.unpause(), holdMs: PAUSE_MS },
    "restart-empty": { inject: restart, recover: async () => undefined, holdMs: 0 },
    "restart-data": { inject: restart, recover: async () => undefined, holdMs: 0 },
    drop: {
      inject: async () => {
        for (const proxy of parts.proxies ?? []) proxy.drop();
      },
      recover: async () => undefined,
      holdMs: 0,
    },
    failover: {
      inject: async () => {
        throw new Error("this target has no failover");
      },
      recover: async () => undefined,
      holdMs: 0,
    },
  };
  const action = actions[fault];
  return {
    store: parts.store,
    inject: parts.inject ?? action.inject,
    recover: parts.recover ?? action.recover,
    holdMs: action.holdMs,
    async stop() {
      await parts.close?.();
      await Promise.allSettled((parts.proxies ?? []).map((p) => p.close()));
      await Promise.allSettled(parts.servers.map((s) => s.stop()));
    },
  };
}

/** Polls `check` until it is true; throws after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}
