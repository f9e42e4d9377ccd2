import { type Cluster, Redis } from "ioredis";
import { isAccessRefusal } from "./errors.js";
import { type RedisClient, isCluster } from "./topology.js";

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
