import { ErrorCode, SessionKVError } from "./errors.js";

/**
 * Rejects with ERR_STORE_UNAVAILABLE when `work` has not settled within `ms`. Drivers queue
 * commands while disconnected and some never time out on their own; this is the guarantee
 * that no store operation hangs whatever the driver does.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, operation: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new SessionKVError(ErrorCode.STORE_UNAVAILABLE, `${operation} did not complete within ${ms} ms`),
      );
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
