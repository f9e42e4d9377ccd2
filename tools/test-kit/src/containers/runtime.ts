// Is there a container runtime, and what should a test suite do when there is not?
// Under CI a missing runtime is a failure (a silently skipped backend suite would
// look green); on a laptop without Docker the suites skip and say why.

import { selectedLocalImages } from "./images.ts";
import { disableRyukFor, loadTestcontainers } from "./load.ts";

export type RuntimeStatus = { available: true } | { available: false; reason: string };

let checking: Promise<RuntimeStatus> | undefined;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function check(): Promise<RuntimeStatus> {
  const localImages = selectedLocalImages();
  for (const image of localImages) disableRyukFor(image);
  let tc: Awaited<ReturnType<typeof loadTestcontainers>>;
  try {
    tc = await loadTestcontainers();
  } catch (error) {
    return { available: false, reason: message(error) };
  }
  try {
    const client = await withTimeout(tc.getContainerRuntimeClient(), 20_000, "the container runtime");
    // With local images selected, a runtime without them is as useless as none.
    const missing: string[] = [];
    for (const image of localImages) {
      if (!(await client.image.exists(tc.ImageName.fromString(image)))) missing.push(image);
    }
    if (missing.length > 0) {
      return {
        available: false,
        reason: `local images missing: ${missing.join(", ")}; build them with scripts/containers/build-images.sh`,
      };
    }
    return { available: true };
  } catch (error) {
    return { available: false, reason: `no container runtime: ${message(error)}` };
  }
}

/** Checks once per process whether containers can be started (runtime reachable, local images present). */
export function containerRuntime(): Promise<RuntimeStatus> {
  checking ??= check();
  return checking;
}

export function isCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && !["", "0", "false"].includes(ci.toLowerCase());
}

/**
 * Gate for a container-backed test suite:
 *   const gate = await requireContainers();
 *   describe.skipIf(!gate.run)("redis", () => { … });
 * Under CI (CI=true) it throws when containers cannot run; elsewhere it prints the
 * reason and returns `{ run: false, reason }`.
 */
export async function requireContainers(): Promise<{ run: boolean; reason?: string }> {
  const status = await containerRuntime();
  if (status.available) return { run: true };
  if (isCI()) {
    throw new Error(
      `Container tests cannot run under CI: ${status.reason}. ` +
        "Provision the machine with scripts/containers/provision.sh.",
    );
  }
  console.warn(`[sessionkv] skipping container tests: ${status.reason}`);
  return { run: false, reason: status.reason };
}
