import { ErrorCode, SessionKVError } from "./errors.js";

/**
 * Rejects with ERR_STORE_UNAVAILABLE when `work` has not settled within `ms`. Drivers queue
 * commands while disconnected and some never time out on their own; this is the guarantee
 * that no store operation hangs whatever the driver does.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, operation: string): Promise<T> {
  // One promise and one timer: `Promise.race` with a `finally` costs three more promises per
  // call, a measurable share of a store operation that takes one round trip.
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new SessionKVError(ErrorCode.STORE_UNAVAILABLE, `${operation} did not complete within ${ms} ms`),
      );
    }, ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
