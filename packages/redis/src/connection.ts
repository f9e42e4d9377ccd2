import { invalidArgument } from "@sessionkv/core/store-kit";
import { type Cluster, Redis, type RedisOptions } from "ioredis";
import { isAccessRefusal } from "./errors.js";
import { type RedisClient, isCluster } from "./topology.js";

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
export function ownedClientOptions(
  operationTimeoutMs: number,
  extra: RedisOptions | undefined,
): RedisOptions {
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

export function createClient(
  url: string,
  operationTimeoutMs: number,
  extra: RedisOptions | undefined,
): Redis {
  checkUrl(url);
  return new Redis(url, ownedClientOptions(operationTimeoutMs, extra));
}

/** Rejects a malformed URL without echoing it: it may carry a password. */
function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidArgument(
      "url",
      "is not a valid URL (expected redis://[user:password@]host:port[/db] or rediss://...)",
    );
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw invalidArgument("url", `must use redis:// or rediss:// (got ${parsed.protocol}//)`);
  }
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
      // checkUrl already rejected it.
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

/**
 * Resolves when the client is ready for commands. A connection error rejects at once (with the
 * driver's error) rather than at the deadline, so a wrong host or password is reported
 * quickly; the client keeps reconnecting in the background and a later start() may succeed.
 * The listeners are removed after `timeoutMs` at the latest, so retried starts on a server that
 * never answers do not pile listeners onto the client.
 */
export function whenReady(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.status === "ready") return Promise.resolve();
  if (client.status === "end") return Promise.reject(new Error("Connection is closed."));
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => settle(new Error(`not ready within ${timeoutMs} ms (status ${client.status})`)),
      timeoutMs,
    );
    timer.unref();
    const onReady = (): void => settle();
    const onError = (error: unknown): void => settle(error);
    const onEnd = (): void => settle(new Error("Connection is closed."));
    function settle(error?: unknown): void {
      clearTimeout(timer);
      if (probe !== null) clearTimeout(probe);
      client.off("ready", onReady);
      client.off("error", onError);
      client.off("end", onEnd);
      if (error === undefined) resolve();
      else reject(error);
    }
    // A Cluster whose ACL lacks `cluster|info` fails ioredis's ready check and reconnects in a
    // loop without ever emitting an error: half-way to the deadline, ask a node why.
    const probe = isCluster(client)
      ? setTimeout(() => {
          void clusterRefusal(client).then((refusal) => {
            if (refusal !== null) settle(refusal);
          });
        }, timeoutMs / 2)
      : null;
    probe?.unref();
    client.on("ready", onReady);
    client.on("error", onError);
    client.on("end", onEnd);
    // A lazy client (ours always, a caller's when it chose lazyConnect) connects on demand.
    if (client.status === "wait") client.connect().catch(() => undefined);
  });
}

/**
 * The access refusal a cluster node answers to the commands ioredis needs to become ready, if
 * any. Asked on a connection of its own: the cluster's node connections are torn down and
 * re-made by the failing ready check.
 */
async function clusterRefusal(cluster: Cluster): Promise<Error | null> {
  const [start] = (cluster as unknown as { startupNodes: { host?: string; port?: number }[] }).startupNodes;
  if (start === undefined) return null;
  const node = new Redis({
    ...cluster.options.redisOptions,
    host: start.host ?? "127.0.0.1",
    port: start.port ?? 6379,
    lazyConnect: true,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  node.on("error", () => undefined);
  try {
    await node.connect();
    await node.call("CLUSTER", "INFO");
    await node.call("CLUSTER", "SLOTS");
    return null;
  } catch (error) {
    return isAccessRefusal(error) ? error : null;
  } finally {
    node.disconnect();
  }
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
