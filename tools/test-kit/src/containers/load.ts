// The only place that loads `testcontainers`, lazily: a test file that only reads the
// definitions or the matrix never pays for it, and a missing install becomes a clear error,
// not a crash at import. Internal module: its types mention testcontainers, so index.ts
// does not re-export it.

import { isLocalImage } from "./definition.ts";

export type Testcontainers = typeof import("testcontainers");

let loading: Promise<Testcontainers> | undefined;

/**
 * Ryuk (the reaper container) is an image from a registry. Where we run locally
 * built images there is no registry, so Ryuk must be off and the tests stop their
 * own containers. The reaper reads this variable when it is first needed, so
 * setting it before the first container start is enough. An explicit setting wins.
 */
export function disableRyukFor(image: string): void {
  if (isLocalImage(image) && process.env.TESTCONTAINERS_RYUK_DISABLED === undefined) {
    process.env.TESTCONTAINERS_RYUK_DISABLED = "true";
  }
}

export function loadTestcontainers(): Promise<Testcontainers> {
  loading ??= import("testcontainers").catch((error: unknown) => {
    loading = undefined;
    throw new Error(
      "@sessionkv/test-kit could not load `testcontainers` (>= 11.14), its dependency: " +
        "run `pnpm install` at the repository root",
      { cause: error },
    );
  });
  return loading;
}
