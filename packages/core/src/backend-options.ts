import { invalidArgument } from "./errors.js";

/**
 * Checks every backend's `options.ts` shares, so that a bad option reads the same on every
 * backend: `ERR_INVALID_ARGUMENT` naming the option, thrown by the constructor before any I/O.
 */

/** The options argument itself: a missing or null one is reported as such, not as a TypeError. */
export function validateOptionsObject(options: unknown): asserts options is object {
  if (options === null || typeof options !== "object") throw invalidArgument("options", "must be an object");
}

/**
 * Exactly one of two ways to reach the server, such as `url` or `client`: a store either creates
 * its driver client (and closes it) or adopts the caller's (and leaves it open), never both.
 */
export function validateExactlyOne(options: object, first: string, second: string): void {
  const hasFirst = Reflect.get(options, first) !== undefined;
  const hasSecond = Reflect.get(options, second) !== undefined;
  if (hasFirst === hasSecond)
    throw invalidArgument("options", `need exactly one of \`${first}\` or \`${second}\``);
}

export function validateBoolean(value: unknown, parameter: string): asserts value is boolean {
  if (typeof value !== "boolean") throw invalidArgument(parameter, "must be a boolean");
}

/** A count or size: an integer of at least `min`. */
export function validateInteger(value: unknown, parameter: string, min: number): asserts value is number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min)
    throw invalidArgument(parameter, `must be an integer >= ${min}`);
}

/**
 * A backend's driver client and who closes it. `owned`: the store created it from its options
 * and closes it on `close()`; otherwise the caller passed it in, and it stays the caller's to close.
 */
export interface StoreClient<C> {
  readonly client: C;
  readonly owned: boolean;
}
