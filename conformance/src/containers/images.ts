// Which image each backend runs, and the matrices of server versions.
//
// Official images are the default. SESSIONKV_IMAGE_<BACKEND> overrides one backend
// (a comma-separated list gives a matrix); SESSIONKV_LOCAL_IMAGES=1 switches every
// default to the images that scripts/containers/build-images.sh builds from Debian
// packages, for machines without a container registry.

export type Backend = "redis" | "valkey" | "memcached" | "etcd" | "dynamodb";

/** Images built by scripts/containers/build-images.sh all live under this repository prefix. */
export const LOCAL_IMAGE_PREFIX = "sessionkv-local/";

export const OFFICIAL_IMAGES = {
  redis: ["redis:7.0", "redis:8.0"],
  valkey: ["valkey/valkey:8.1"],
  memcached: ["memcached:1.6.18", "memcached:1.6.38"],
  etcd: ["quay.io/coreos/etcd:v3.4.35", "quay.io/coreos/etcd:v3.5.21"],
  dynamodb: ["amazon/dynamodb-local:latest"],
} as const satisfies Record<Backend, readonly string[]>;

export const LOCAL_IMAGES = {
  redis: ["sessionkv-local/redis:7.0", "sessionkv-local/redis:8.0"],
  valkey: ["sessionkv-local/valkey:8.1"],
  memcached: ["sessionkv-local/memcached:1.6.18", "sessionkv-local/memcached:1.6.38"],
  etcd: ["sessionkv-local/etcd:3.4", "sessionkv-local/etcd:3.5"],
  dynamodb: ["sessionkv-local/dynalite:3.2.2"],
} as const satisfies Record<Backend, readonly string[]>;

/** The single image a `startX()` uses when none is given (conformance README, "Which images run"). */
const OFFICIAL_DEFAULT: Record<Backend, string> = {
  redis: "redis:7.0",
  valkey: "valkey/valkey:8.1",
  memcached: "memcached:1.6",
  etcd: "quay.io/coreos/etcd:v3.5.21",
  dynamodb: "amazon/dynamodb-local:latest",
};
const LOCAL_DEFAULT: Record<Backend, string> = {
  redis: "sessionkv-local/redis:7.0",
  valkey: "sessionkv-local/valkey:8.1",
  memcached: "sessionkv-local/memcached:1.6.38",
  etcd: "sessionkv-local/etcd:3.5",
  dynamodb: "sessionkv-local/dynalite:3.2.2",
};

export const IMAGE_ENV: Record<Backend, string> = {
  redis: "SESSIONKV_IMAGE_REDIS",
  valkey: "SESSIONKV_IMAGE_VALKEY",
  memcached: "SESSIONKV_IMAGE_MEMCACHED",
  etcd: "SESSIONKV_IMAGE_ETCD",
  dynamodb: "SESSIONKV_IMAGE_DYNAMODB",
};

function truthy(value: string | undefined): boolean {
  return value !== undefined && !["", "0", "false", "no"].includes(value.trim().toLowerCase());
}

export function localImagesSelected(): boolean {
  return truthy(process.env.SESSIONKV_LOCAL_IMAGES);
}

export function isLocalImage(image: string): boolean {
  return image.startsWith(LOCAL_IMAGE_PREFIX);
}

/** Images named by the backend's env variable (comma-separated), or `[]` when unset. */
export function envImages(backend: Backend): string[] {
  const raw = process.env[IMAGE_ENV[backend]] ?? "";
  return raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** The image a start function runs: explicit option, then env, then the mode's default. */
export function defaultImage(backend: Backend): string {
  return envImages(backend)[0] ?? (localImagesSelected() ? LOCAL_DEFAULT : OFFICIAL_DEFAULT)[backend];
}

/** The version matrix for a backend when no env variable narrows it. */
export function matrixImages(backend: Backend): readonly string[] {
  return (localImagesSelected() ? LOCAL_IMAGES : OFFICIAL_IMAGES)[backend];
}

/** Every local image the current selection may start, for the availability check. */
export function selectedLocalImages(): string[] {
  const all = (Object.keys(IMAGE_ENV) as Backend[]).flatMap((b) => {
    const fromEnv = envImages(b);
    return fromEnv.length > 0 ? fromEnv : localImagesSelected() ? [...matrixImages(b), LOCAL_DEFAULT[b]] : [];
  });
  return [...new Set(all.filter(isLocalImage))];
}
