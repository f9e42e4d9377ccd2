import { ErrorCode, SessionKVError, invalidArgument } from "./errors.js";
import type { MsetEntry, SetOptions, StoreCapabilities } from "./types.js";

// Lone surrogates cannot be encoded as UTF-8: a server would store U+FFFD and hand back a
// different key than the caller wrote, so they are refused instead of silently replaced.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function describe(value: unknown): string {
  if (typeof value === "string") return value.length > 40 ? `"${value.slice(0, 40)}…"` : `"${value}"`;
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}

/** UTF-8 length without allocating; every UTF-16 unit is at most 3 bytes, so short keys skip the count. */
export function utf8Length(text: string, limit: number): number {
  if (text.length * 3 <= limit) return Math.min(text.length * 3, limit);
  return Buffer.byteLength(text, "utf8");
}

export function isWellFormed(text: string): boolean {
  const native = (text as { isWellFormed?: () => boolean }).isWellFormed;
  return native === undefined ? !LONE_SURROGATE.test(text) : native.call(text);
}

export function validateKey(
  key: unknown,
  capabilities: StoreCapabilities,
  parameter = "key",
): asserts key is string {
  if (typeof key !== "string") throw invalidArgument(parameter, `must be a string, got ${describe(key)}`);
  if (key.length === 0) throw invalidArgument(parameter, "must not be empty");
  if (!isWellFormed(key)) throw invalidArgument(parameter, `${describe(key)} contains a lone surrogate`);
  if (utf8Length(key, capabilities.maxKeyBytes) > capabilities.maxKeyBytes) {
    const bytes = Buffer.byteLength(key, "utf8");
    throw invalidArgument(
      parameter,
      `is ${bytes} UTF-8 bytes; this store accepts at most ${capabilities.maxKeyBytes}`,
    );
  }
}

export function validateKeys(
  keys: unknown,
  capabilities: StoreCapabilities,
  parameter = "keys",
): asserts keys is readonly string[] {
  if (!Array.isArray(keys))
    throw invalidArgument(parameter, `must be an array of strings, got ${describe(keys)}`);
  const max = capabilities.maxKeyBytes;
  for (let i = 0; i < keys.length; i++) {
    const key: unknown = keys[i];
    // Hot path of every batch: the parameter name is built only for the key that fails.
    if (typeof key === "string" && key.length > 0 && utf8Length(key, max) <= max && isWellFormed(key))
      continue;
    validateKey(key, capabilities, `${parameter}[${i}]`);
  }
}

/** Longest `keyPrefix` a backend accepts; it is prepended to every key, so it eats into key limits. */
export const MAX_KEY_PREFIX_BYTES = 1024;

/**
 * A backend's namespace option. A lone surrogate would be stored as U+FFFD and silently merge
 * two namespaces, so it is refused like in keys.
 */
export function validateKeyPrefix(keyPrefix: unknown): asserts keyPrefix is string {
  if (typeof keyPrefix !== "string")
    throw invalidArgument("keyPrefix", `must be a string, got ${describe(keyPrefix)}`);
  if (!isWellFormed(keyPrefix))
    throw invalidArgument("keyPrefix", `${describe(keyPrefix)} contains a lone surrogate`);
  if (utf8Length(keyPrefix, MAX_KEY_PREFIX_BYTES) > MAX_KEY_PREFIX_BYTES) {
    throw invalidArgument("keyPrefix", `must be at most ${MAX_KEY_PREFIX_BYTES} UTF-8 bytes`);
  }
}

export function validatePrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== "string")
    throw invalidArgument("prefix", `must be a string, got ${describe(prefix)}`);
  if (!isWellFormed(prefix)) throw invalidArgument("prefix", `${describe(prefix)} contains a lone surrogate`);
}

export function validateValue(
  value: unknown,
  capabilities: StoreCapabilities,
  parameter = "value",
): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw invalidArgument(parameter, `must be a Uint8Array, got ${describe(value)}`);
  }
  if (value.byteLength > capabilities.maxValueBytes) {
    throw new SessionKVError(
      ErrorCode.VALUE_TOO_LARGE,
      `${parameter} is ${value.byteLength} bytes; this store accepts at most ${capabilities.maxValueBytes}`,
    );
  }
}

/** A TTL or interval in milliseconds: a finite number greater than zero. */
export function validatePositiveMs(ms: unknown, parameter: string): asserts ms is number {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms <= 0) {
    throw invalidArgument(parameter, `must be a finite number of milliseconds > 0, got ${describe(ms)}`);
  }
}

/**
 * The store contract's longest TTL (core README, "The store contract": TTL): 365 days. Every
 * backend can represent now + this for decades (Memcached's 32-bit absolute expiry ends in 2106,
 * etcd's lease ids in 2109), so one range holds everywhere and a TTL past it is the caller's
 * mistake, never an outage to retry.
 */
export const MAX_TTL_MS = 365 * 24 * 3_600_000;

/** A TTL in milliseconds: finite, > 0 and at most MAX_TTL_MS. */
export function validateTtlMs(ms: unknown, parameter = "ttlMs"): asserts ms is number {
  validatePositiveMs(ms, parameter);
  if (ms > MAX_TTL_MS) {
    throw invalidArgument(
      parameter,
      `must be at most ${MAX_TTL_MS} ms (365 days), the longest TTL every backend can represent; got ${ms}`,
    );
  }
}

export function validateSetOptions(options: unknown): asserts options is SetOptions | undefined {
  if (options === undefined) return;
  if (options === null || typeof options !== "object") {
    throw invalidArgument("options", `must be an object, got ${describe(options)}`);
  }
  const only = (options as SetOptions).onlyIfExists;
  if (only !== undefined && typeof only !== "boolean") {
    throw invalidArgument("options.onlyIfExists", `must be a boolean, got ${describe(only)}`);
  }
}

export function validateEntries(
  entries: unknown,
  capabilities: StoreCapabilities,
): asserts entries is readonly MsetEntry[] {
  if (!Array.isArray(entries)) throw invalidArgument("entries", `must be an array, got ${describe(entries)}`);
  for (let i = 0; i < entries.length; i++) {
    const entry: unknown = entries[i];
    if (entry === null || typeof entry !== "object") {
      throw invalidArgument(`entries[${i}]`, `must be { key, value, ttlMs }, got ${describe(entry)}`);
    }
    const { key, value, ttlMs } = entry as MsetEntry;
    validateKey(key, capabilities, `entries[${i}].key`);
    validateValue(value, capabilities, `entries[${i}].value`);
    validateTtlMs(ttlMs, `entries[${i}].ttlMs`);
  }
}
