import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { SessionKVStore } from "@sessionkv/core";
import { CliError, CliErrorCode } from "./errors.js";
import { BACKEND_PACKAGES, type Backend, type HostPort, type StoreUrl } from "./store-url.js";

/** A store made for one command, and how to release what the CLI made beside it. */
export interface OpenedStore {
  readonly store: SessionKVStore;
  /** Closes the store, then any client the CLI created for it (a store never closes a given client). */
  close(): Promise<void>;
}

type StoreClass = new (options: Record<string, unknown>) => SessionKVStore;

/**
 * The backend packages are the operator's project's, not the CLI's dependencies: the CLI depends
 * only on core, and a backend (with its driver) is resolved from the current directory, as the
 * application that writes the sessions would resolve it.
 */
function resolveFromProject(backend: Backend): string {
  const { name } = BACKEND_PACKAGES[backend];
  const require = createRequire(join(process.cwd(), "noop.js"));
  try {
    return require.resolve(name);
  } catch (error) {
    if ((error as { code?: unknown })?.code !== "MODULE_NOT_FOUND") throw error;
    throw new CliError(
      CliErrorCode.BACKEND_MISSING,
      `this URL needs ${name}, which is not installed in ${process.cwd()}: npm install ${name}`,
    );
  }
}

async function storeClass(backend: Backend, resolved: string): Promise<StoreClass> {
  const { name, store } = BACKEND_PACKAGES[backend];
  const loaded = (await import(pathToFileURL(resolved).href)) as Record<string, unknown>;
  const found = loaded[store];
  if (typeof found !== "function")
    throw new CliError(CliErrorCode.BACKEND_MISSING, `${name} at ${resolved} does not export ${store}`);
  return found as StoreClass;
}

interface IoRedis {
  Redis: new (options: Record<string, unknown>) => IoRedisClient;
  Cluster: new (nodes: HostPort[], options: Record<string, unknown>) => IoRedisClient;
}

interface IoRedisClient {
  on(event: "error", listener: () => void): unknown;
  disconnect(): void;
}

/** ioredis as @sessionkv/redis resolves it: the driver the application itself runs. */
async function ioredisBeside(resolvedRedis: string): Promise<IoRedis> {
  const path = createRequire(resolvedRedis).resolve("ioredis");
  const loaded = (await import(pathToFileURL(path).href)) as Partial<IoRedis> & {
    default?: Partial<IoRedis>;
  };
  const Redis = loaded.Redis ?? loaded.default?.Redis;
  const Cluster = loaded.Cluster ?? loaded.default?.Cluster;
  if (Redis === undefined || Cluster === undefined)
    throw new CliError(CliErrorCode.BACKEND_MISSING, `ioredis at ${path} exports no Redis and Cluster`);
  return { Redis, Cluster };
}

// The store applies these to the clients it makes from a URL; a client handed to it is used as it
// is, so the CLI sets them on the Sentinel and Cluster clients it makes: fail fast when offline
// rather than queue, and do not retry a command forever.
const FAIL_FAST = { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectionName: "sessionkv-cli" };

export async function openBackendStore(url: StoreUrl, keyPrefix: string | undefined): Promise<OpenedStore> {
  const resolved = resolveFromProject(url.backend);
  const Store = await storeClass(url.backend, resolved);
  const prefix = keyPrefix === undefined ? {} : { keyPrefix };
  const plain = (options: Record<string, unknown>): OpenedStore => {
    const store = new Store({ ...options, ...prefix });
    return { store, close: () => store.close() };
  };
  switch (url.backend) {
    case "redis": {
      if ("url" in url) return plain({ url: url.url });
      const { Redis, Cluster } = await ioredisBeside(resolved);
      const client =
        "sentinel" in url
          ? new Redis({
              sentinels: url.sentinel.sentinels,
              name: url.sentinel.name,
              ...url.sentinel.auth,
              ...FAIL_FAST,
            })
          : new Cluster(url.cluster.nodes, {
              enableOfflineQueue: false,
              redisOptions: { ...url.cluster.auth, ...FAIL_FAST },
            });
      // The store reports connection failures through its own calls; an unheard "error" event
      // would make ioredis print each reconnection attempt.
      client.on("error", () => undefined);
      const store = new Store({ client, ...prefix });
      return {
        store,
        close: async () => {
          await store.close().finally(() => client.disconnect());
        },
      };
    }
    case "etcd":
      return plain({ hosts: url.hosts, ...(url.auth === undefined ? {} : { auth: url.auth }) });
    case "memcached":
      return plain({ servers: url.servers, ...url.auth });
    case "dynamodb":
      return plain({
        tableName: url.tableName,
        clientConfig: {
          ...(url.region === undefined ? {} : { region: url.region }),
          ...(url.endpoint === undefined ? {} : { endpoint: url.endpoint }),
        },
      });
  }
}
