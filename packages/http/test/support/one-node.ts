import { type Server, createServer } from "node:http";
import { type HostedSession, SessionHost, SessionRegistry, silentLogger } from "@sessionkv/core";
import { InMemorySessionKVStore } from "@sessionkv/memory";
import { type SessionHandlerOptions, createSessionHandler, toNodeListener } from "../../src/index.js";

/** What the test's `launch` started, by session id, and the reasons their close ran with. */
interface Launched {
  readonly calls: { callId: string; sessionId: string; body: unknown }[];
  readonly closed: Map<string, string>;
  /** Metrics each launched session reports, by session id (tests change them). */
  readonly metrics: Map<string, Record<string, number | null>>;
}

export interface OneNode extends AsyncDisposable {
  readonly url: string;
  readonly host: SessionHost;
  readonly registry: SessionRegistry;
  readonly launched: Launched;
}

/**
 * One node in this process over real HTTP: an in-memory store (it cannot be shared across
 * processes; the fleet tests use Redis), a host, and the handler on 127.0.0.1. `options`
 * override the handler's, `launch` included.
 */
export async function oneNode(options: Partial<SessionHandlerOptions> = {}): Promise<OneNode> {
  const store = new InMemorySessionKVStore();
  const registry = new SessionRegistry({ store, nodeId: "node-a", ttlMs: 10_000, logger: silentLogger });
  const host = new SessionHost({ registry, maintenanceIntervalMs: 100, logger: silentLogger });
  await host.start();
  const launched: Launched = { calls: [], closed: new Map(), metrics: new Map() };
  const handler = createSessionHandler({
    host,
    logger: silentLogger,
    launch: (callId, body, { sessionId }): HostedSession => {
      launched.calls.push({ callId, sessionId, body });
      launched.metrics.set(sessionId, {});
      return {
        close: (reason) => {
          launched.closed.set(sessionId, reason);
        },
        metrics: () => launched.metrics.get(sessionId) ?? {},
      };
    },
    ...options,
  });
  const server: Server = createServer(toNodeListener(handler));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    host,
    registry,
    launched,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await host.stop();
      await registry.stop();
      await store.close();
    },
  };
}
