import { sleep } from "../deadline.js";

/** Polls `check` until it returns true; returns the elapsed ms, or throws after `withinMs`. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  withinMs: number,
  what: string,
  everyMs = 20,
): Promise<number> {
  const begin = performance.now();
  for (;;) {
    if (await check()) return performance.now() - begin;
    const elapsed = performance.now() - begin;
    if (elapsed > withinMs)
      throw new Error(`${what}: not within ${withinMs} ms (waited ${Math.round(elapsed)} ms)`);
    await sleep(everyMs);
  }
}

/** `work`, or a rejection naming `what` once `ms` have passed (the timer is cleared either way). */
export async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} (after ${ms} ms)`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
