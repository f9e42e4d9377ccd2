// One start function per backend, plus the version matrices.
//
// Commands: the images built from Debian packages have no entrypoint, so every
// command starts with the server binary. That also works with the official images,
// whose entrypoint scripts run a command that starts with the binary as given —
// except where the binary lives elsewhere (etcd) or is a different program
// altogether (DynamoDB Local is Java, dynalite is Node).

import type { Backend } from "./images.js";
import { defaultImage, envImages, isLocalImage, matrixImages } from "./images.js";
import { probeDynamoDB, probeEtcd, probeMemcached, probeRedis } from "./probes.js";
import { type ServerSpec, type StartOptions, type StartedServer, startServer } from "./server.js";

const redisUrl = (host: string, port: number) => `redis://${host}:${port}`;
const httpUrl = (host: string, port: number) => `http://${host}:${port}`;

function redisSpec(backend: "redis" | "valkey", image: string): ServerSpec {
  // A Valkey image may be used for the redis backend and vice versa; the binary follows the image.
  const binary = /valkey/i.test(image) ? "valkey-server" : "redis-server";
  return {
    backend,
    image,
    containerPort: 6379,
    probe: probeRedis,
    // No persistence: a restart must come back empty, like a crashed cache node.
    command: () => [
      binary,
      "--bind",
      "0.0.0.0",
      "--protected-mode",
      "no",
      "--save",
      "",
      "--appendonly",
      "no",
    ],
    url: redisUrl,
  };
}

function memcachedSpec(image: string): ServerSpec {
  return {
    backend: "memcached",
    image,
    containerPort: 11211,
    probe: probeMemcached,
    // `-u nobody`: memcached refuses to run as root without it (local images run as
    // root; the official image runs as `memcache`, where the flag is ignored).
    command: () => ["memcached", "-u", "nobody", "-l", "0.0.0.0"],
  };
}

function etcdSpec(image: string): ServerSpec {
  // Debian's etcd-server installs /usr/bin/etcd; the official (distroless) images /usr/local/bin/etcd.
  const binary = isLocalImage(image) ? "etcd" : "/usr/local/bin/etcd";
  return {
    backend: "etcd",
    image,
    containerPort: 2379,
    probe: probeEtcd,
    // Clients discover members through the advertised URL, so it must be the host-side port.
    command: (hostPort) => [
      binary,
      "--name=sessionkv",
      "--data-dir=/tmp/etcd-data",
      "--listen-client-urls=http://0.0.0.0:2379",
      `--advertise-client-urls=http://127.0.0.1:${hostPort}`,
      "--listen-peer-urls=http://127.0.0.1:2380",
      "--initial-advertise-peer-urls=http://127.0.0.1:2380",
      "--initial-cluster=sessionkv=http://127.0.0.1:2380",
    ],
    url: httpUrl,
  };
}

function dynamodbSpec(image: string): ServerSpec {
  const dynalite = /dynalite/i.test(image);
  return {
    backend: "dynamodb",
    image,
    containerPort: 8000,
    probe: probeDynamoDB,
    command: () =>
      dynalite
        ? ["node", "/opt/dynalite/server.cjs", "--port", "8000"]
        : // amazon/dynamodb-local's entrypoint is `java`; -sharedDb ignores region/credentials.
          ["-jar", "DynamoDBLocal.jar", "-inMemory", "-sharedDb", "-port", "8000"],
    url: httpUrl,
  };
}

const SPECS: Record<Backend, (image: string) => ServerSpec> = {
  redis: (image) => redisSpec("redis", image),
  valkey: (image) => redisSpec("valkey", image),
  memcached: memcachedSpec,
  etcd: etcdSpec,
  dynamodb: dynamodbSpec,
};

function start(backend: Backend, options: StartOptions = {}): Promise<StartedServer> {
  return startServer(SPECS[backend](options.image ?? defaultImage(backend)), options);
}

export const startRedis = (options?: StartOptions) => start("redis", options);
export const startValkey = (options?: StartOptions) => start("valkey", options);
export const startMemcached = (options?: StartOptions) => start("memcached", options);
export const startEtcd = (options?: StartOptions) => start("etcd", options);
export const startDynamoDB = (options?: StartOptions) => start("dynamodb", options);

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
  const label = /dynalite/i.test(image) ? `dynalite ${version}` : `${backend} ${version}`.trim();
  return {
    name: `${label} [${image}]`,
    backend,
    image,
    start: (options) => start(backend, { ...options, image }),
  };
}

/** The env variables' images when any is set, else the default matrix. */
function targets(backends: readonly Backend[]): ServerTarget[] {
  const fromEnv = backends.flatMap((b) => envImages(b).map((image) => target(b, image)));
  if (fromEnv.length > 0) return fromEnv;
  return backends.flatMap((b) => matrixImages(b).map((image) => target(b, image)));
}

/** Redis 7.0, Redis 8.0 and Valkey 8.1; only SESSIONKV_IMAGE_REDIS / _VALKEY when either is set. */
export const redisTargets = (): ServerTarget[] => targets(["redis", "valkey"]);
/** Memcached 1.6.18 and 1.6.38, or SESSIONKV_IMAGE_MEMCACHED. */
export const memcachedTargets = (): ServerTarget[] => targets(["memcached"]);
/** etcd 3.4 and 3.5, or SESSIONKV_IMAGE_ETCD. */
export const etcdTargets = (): ServerTarget[] => targets(["etcd"]);
/** DynamoDB Local (official) or dynalite (local images), or SESSIONKV_IMAGE_DYNAMODB. */
export const dynamodbTargets = (): ServerTarget[] => targets(["dynamodb"]);
