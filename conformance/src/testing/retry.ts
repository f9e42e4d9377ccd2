import { sleep } from "@sessionkv/core/store-kit";

export interface EventuallyOptions {
  /** Give up (rethrowing the last error) once this much time has passed. Default 30 s. */
  readonly withinMs?: number;
  /** Pause between attempts. Default 250 ms. */
  readonly pauseMs?: number;
}

/**
 * Retries `attempt` until it resolves: recovery after an outage, or a server still settling,
 * is not instant. Bounded in time; no fixed sleep when the first attempt works.
 */
export async function eventually<T>(attempt: () => Promise<T>, options: EventuallyOptions = {}): Promise<T> {
  const deadline = performance.now() + (options.withinMs ?? 30_000);
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await sleep(options.pauseMs ?? 250);
    }
  }
}
