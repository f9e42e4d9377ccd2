import { type ErrorCode, type SessionKVStore, isSessionKVError } from "@sessionkv/core";
import { everyOperation } from "../cases/lifecycle.js";

export { everyOperation };

/** How a call settled: its rejection and how long it took. */
export interface Rejection {
  readonly error: unknown;
  readonly ms: number;
}

/** Settles `work`; returns the rejection and its elapsed time, or throws when `work` resolved. */
export async function rejection(work: () => Promise<unknown>): Promise<Rejection> {
  const started = performance.now();
  try {
    await work();
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
  throw new Error("expected a rejection, got a result");
}

/** The error's code, or a description that no code will ever equal when it is not a SessionKVError. */
export function codeOf(error: unknown): ErrorCode | string {
  return isSessionKVError(error) ? error.code : `not a SessionKVError: ${String(error)}`;
}

/**
 * Runs every contract operation (`everyOperation`, plus `extra` ones a backend adds) at once
 * and returns each one's rejection, named; throws when any of them resolved.
 */
export async function rejectEveryOperation(
  store: SessionKVStore,
  extra: readonly [string, () => Promise<unknown>][] = [],
): Promise<(Rejection & { readonly name: string })[]> {
  const operations = [...everyOperation(store), ...extra];
  return Promise.all(
    operations.map(async ([name, op]) => {
      const settled = await rejection(op).catch((error: unknown) => {
        throw new Error(`${name}: ${(error as Error).message}`);
      });
      return { name, ...settled };
    }),
  );
}
