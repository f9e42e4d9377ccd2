// Which image each backend runs, and the matrices of server versions (both read from
// the backend definitions in definitions/).
//
// Official images are the default. SESSIONKV_IMAGE_<BACKEND> overrides one backend
// (a comma-separated list gives a matrix); SESSIONKV_LOCAL_IMAGES=1 switches every
// default to the images that scripts/containers/build-images.sh builds from Debian
// packages, for machines without a container registry.

import { isLocalImage } from "./definition.ts";
import { BACKENDS, BACKEND_NAMES, type Backend } from "./definitions/index.ts";

export { type Backend, BACKENDS } from "./definitions/index.ts";

type PerBackend<T> = { readonly [B in Backend]: T };

function perBackend<T>(pick: (backend: Backend) => T): PerBackend<T> {
  return Object.fromEntries(BACKEND_NAMES.map((b) => [b, pick(b)])) as Record<Backend, T>;
}

export const OFFICIAL_IMAGES = perBackend((b) => BACKENDS[b].versions.map((v) => v.official));
export const LOCAL_IMAGES = perBackend((b) => BACKENDS[b].versions.map((v) => v.local));
export const IMAGE_ENV = perBackend((b) => BACKENDS[b].imageEnv);

function truthy(value: string | undefined): boolean {
  return value !== undefined && !["", "0", "false", "no"].includes(value.trim().toLowerCase());
}

export function localImagesSelected(): boolean {
  return truthy(process.env.SESSIONKV_LOCAL_IMAGES);
}

/** Images named by the backend's env variable (comma-separated), or `[]` when unset. */
export function envImages(backend: Backend): string[] {
  const raw = process.env[IMAGE_ENV[backend]] ?? "";
  return raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

const modeDefault = (backend: Backend) =>
  BACKENDS[backend].defaults[localImagesSelected() ? "local" : "official"];

/** The image a start function runs: explicit option, then env, then the mode's default. */
export function defaultImage(backend: Backend): string {
  return envImages(backend)[0] ?? modeDefault(backend);
}

/** The version matrix for a backend when no env variable narrows it. */
export function matrixImages(backend: Backend): readonly string[] {
  return (localImagesSelected() ? LOCAL_IMAGES : OFFICIAL_IMAGES)[backend];
}

/** Every local image the current selection may start, for the availability check. */
export function selectedLocalImages(): string[] {
  const all = BACKEND_NAMES.flatMap((b) => {
    const fromEnv = envImages(b);
    return fromEnv.length > 0 ? fromEnv : localImagesSelected() ? [...matrixImages(b), modeDefault(b)] : [];
  });
  return [...new Set(all.filter(isLocalImage))];
}
