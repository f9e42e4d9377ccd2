// Pieces every target uses: the packages' builds, their own dependencies, and a rig builder.
import { createRequire } from "node:module";
import { startBackend } from "../../../conformance/src/containers/backends.js";
import type { Backend } from "../../../conformance/src/containers/images.js";
import type { StartOptions, StartedServer } from "../../../conformance/src/containers/server.js";
import { type TcpProxy, startProxy } from "../proxy.js";
import type { Fault, Rig } from "../target.js";
import { PAUSE_MS } from "../target.js";

/** A dependency of one workspace package (pnpm keeps it out of the root's reach). */
export function packageRequire(pkg: string): NodeJS.Require {
  return createRequire(new URL(`../../../packages/${pkg}/package.json`, import.meta.url));
}

export function start(backend: Backend, options: StartOptions = {}): Promise<StartedServer> {
  return startBackend(backend, { startupTimeoutMs: 120_000, ...options });
}

/** A proxy in front of each of the servers' ports. */
export async function proxies(ports: readonly number[]): Promise<TcpProxy[]> {
  return Promise.all(ports.map((port) => startProxy(port)));
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
