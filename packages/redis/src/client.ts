import type { StoreClient } from "@sessionkv/core/store-kit";
import { Redis, type RedisOptions } from "ioredis";
import type { ResolvedOptions } from "./options.js";
import type { RedisClient } from "./topology.js";

/**
 * Settings of a client the store creates itself. ioredis's defaults suit an application that
 * would rather wait than fail: an unbounded offline queue and 20 retries per command, so with
 * the server down a command can wait for minutes and memory grows with every call. A session
 * store must instead answer within its deadline and let the caller decide:
 * - `enableOfflineQueue: false`: while disconnected, commands fail at once (nothing queues up);
 * - `maxRetriesPerRequest: 1`: a command in flight when the connection drops is re-sent once
 *   after a quick reconnect (a failover blip heals), then rejected, never kept for later;
 * - `socketTimeout`: a silent server (paused, partitioned) drops the connection after one
 *   deadline without data, so the client reconnects instead of waiting on a dead socket;
 * - reconnection never gives up (capped back-off), so the store heals when the server returns;
 * - `enableAutoPipelining` (overridable): concurrent commands share one write, as node-redis
 *   does by default. Measured (README, "Tests and benchmark"): with 32 gets in flight the store
 *   took about 0.4x the time per batch of a default ioredis client in two runs of three; one get
 *   in flight costs a deferral of a few µs more, which a real network round trip dwarfs.
 */
function ownedClientOptions(operationTimeoutMs: number, extra: RedisOptions | undefined): RedisOptions {
  return {
    // Visible in CLIENT LIST, so operators can tell the store's connections apart.
    connectionName: "sessionkv",
    enableAutoPipelining: true,
    ...extra,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: operationTimeoutMs,
    socketTimeout: operationTimeoutMs,
    retryStrategy: (attempt: number) => Math.min(50 * attempt, 1_000),
  };
}

/**
 * The ioredis client the store talks through: the caller's `client`, used as is and never
 * closed by the store, or one created from `url` with `ownedClientOptions` (closed on close()).
 */
export function openClient(options: ResolvedOptions, operationTimeoutMs: number): StoreClient<RedisClient> {
  if (options.client !== undefined) return { client: options.client, owned: false };
  return {
    client: new Redis(options.url as string, ownedClientOptions(operationTimeoutMs, options.redisOptions)),
    owned: true,
  };
}

/**
 * The password in `url`, and the passwords a given client was configured with, so the base
 * store can redact them from every surfaced error. Usernames are not treated as secret: they
 * identify the ACL user in error reports, and redacting a name such as `default` would mangle
 * ordinary words in messages.
 */
export function passwordsOf(url: string | undefined, client: RedisClient): string[] {
  const found = new Set<string>();
  if (url !== undefined) {
    try {
      const password = decodeURIComponent(new URL(url).password);
      if (password !== "") found.add(password);
    } catch {
      // resolveOptions already rejected it.
    }
  }
  const options = client.options as {
    password?: unknown;
    sentinelPassword?: unknown;
    redisOptions?: { password?: unknown };
  };
  for (const candidate of [options.password, options.sentinelPassword, options.redisOptions?.password]) {
    if (typeof candidate === "string" && candidate !== "") found.add(candidate);
  }
  return [...found];
}

/** Closes a client the store created; never waits on a server that may be gone. */
export function disconnect(client: RedisClient): Promise<void> {
  if (client.status === "end") return Promise.resolve();
  return new Promise<void>((resolve) => {
    // "end" is not emitted when disconnecting between two reconnection attempts: do not wait on it.
    const timer = setTimeout(resolve, 1_000);
    client.once("end", () => {
      clearTimeout(timer);
      resolve();
    });
    client.disconnect();
  });
}
