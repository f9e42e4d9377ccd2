// One start function per backend, plus the version matrices, all from the backend
// definitions in definitions/.
//
// Commands: the images built from Debian packages have no entrypoint, so every
// command starts with the server binary. That also works with the official images,
// whose entrypoint scripts run a command that starts with the binary as given —
// except where the binary lives elsewhere (etcd) or is a different program
// altogether (DynamoDB Local is Java: `java` is both its images' entrypoint).

import type { BackendDefinition } from "./definition.ts";
import { BACKENDS, type Backend, defaultImage, envImages, matrixImages } from "./images.ts";
import { selectedCell } from "./matrix.ts";
import { type ServerSpec, type StartOptions, type StartedServer, startServer } from "./server.ts";

function spec(backend: Backend, image: string): ServerSpec {
  const definition: BackendDefinition = BACKENDS[backend];
  return {
    backend,
    image,
    ...(definition.containerPort !== undefined && { containerPort: definition.containerPort }),
    ...(definition.nodes !== undefined && { nodes: definition.nodes }),
    probe: definition.probe,
    command: (hostPort, hostPorts) => definition.command(image, hostPort, hostPorts),
    ...(definition.url && { url: definition.url }),
  };
}

/** Starts one server of any registered backend (the named start functions below are shorthands). */
export function startBackend(backend: Backend, options: StartOptions = {}): Promise<StartedServer> {
  return startServer(spec(backend, options.image ?? defaultImage(backend)), options);
}

export const startRedis = (options?: StartOptions) => startBackend("redis", options);
export const startValkey = (options?: StartOptions) => startBackend("valkey", options);
export const startMemcached = (options?: StartOptions) => startBackend("memcached", options);
export const startEtcd = (options?: StartOptions) => startBackend("etcd", options);
export const startDynamoDB = (options?: StartOptions) => startBackend("dynamodb", options);

/** `n` independent Memcached servers (for client-side sharding tests). Stops the started ones if one fails. */
export async function startMemcachedPool(
  n: number,
  options: Omit<StartOptions, "hostPort"> = {},
): Promise<StartedServer[]> {
  const results = await Promise.allSettled(Array.from({ length: n }, () => startMemcached(options)));
  const servers = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failure) {
    await Promise.allSettled(servers.map((s) => s.stop()));
    throw failure.reason;
  }
  return servers;
}

export interface ServerTarget {
  /** For test titles, e.g. `redis 7.0 [sessionkv-local/redis:7.0]`. */
  readonly name: string;
  readonly backend: Backend;
  readonly image: string;
  start(options?: Omit<StartOptions, "image">): Promise<StartedServer>;
}

function target(backend: Backend, image: string): ServerTarget {
  const version = /:v?([^:/]+)$/.exec(image)?.[1] ?? "";
  const definition: BackendDefinition = BACKENDS[backend];
  const label = `${definition.label?.(image) ?? backend} ${version}`.trim();
  return {
    name: `${label} [${image}]`,
    backend,
    image,
    start: (options) => startBackend(backend, { ...options, image }),
  };
}

/** The env variables' images when any is set, else the default matrix (the named ones below are shorthands). */
export function backendTargets(backends: readonly Backend[]): ServerTarget[] {
  // Within a CI matrix cell only the cell's backend has targets (matrix.ts).
  const cell = selectedCell();
  const selected = cell === undefined ? backends : backends.filter((b) => b === cell.backend);
  const fromEnv = selected.flatMap((b) => envImages(b).map((image) => target(b, image)));
  if (fromEnv.length > 0) return fromEnv;
  return selected.flatMap((b) => matrixImages(b).map((image) => target(b, image)));
}

/** Redis 7.0, Redis 8.0 and Valkey 8.1; only SESSIONKV_IMAGE_REDIS / _VALKEY when either is set. */
export const redisTargets = (): ServerTarget[] => backendTargets(["redis", "valkey"]);
/** Memcached 1.6.18 and 1.6.38, or SESSIONKV_IMAGE_MEMCACHED. */
export const memcachedTargets = (): ServerTarget[] => backendTargets(["memcached"]);
/** etcd 3.4 and 3.5, or SESSIONKV_IMAGE_ETCD. */
export const etcdTargets = (): ServerTarget[] => backendTargets(["etcd"]);
/** DynamoDB Local (the official image, or the local one with the same jar), or SESSIONKV_IMAGE_DYNAMODB. */
export const dynamodbTargets = (): ServerTarget[] => backendTargets(["dynamodb"]);
