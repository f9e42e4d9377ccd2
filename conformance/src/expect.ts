import assert from "node:assert/strict";
import { sleep } from "@sessionkv/core/store-kit";
import { showValue } from "./show.js";

/**
 * Assertions shared by the cases; runner-independent (node:assert), errors checked by `code`
 * so stores that implement the interface directly only need errors with the right code.
 */
export async function rejectsWithCode(
  work: Promise<unknown> | (() => Promise<unknown>),
  code: string,
  what: string,
): Promise<void> {
  let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: await (typeof work === "function" ? work() : work) };
  } catch (error) {
    outcome = { ok: false, error };
  }
  if (outcome.ok) assert.fail(`${what}: expected rejection with ${code}, but it resolved`);
  const actual = (outcome.error as { code?: unknown } | null)?.code;
  if (actual !== code) {
    const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
    assert.fail(`${what}: expected rejection with code ${code}, got ${String(actual)} (${message})`);
  }
}

/** Rejects synchronously thrown errors too: a store must return a rejected promise, never throw. */
export function call(work: () => Promise<unknown>): Promise<unknown> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error);
  }
}

export function assertBytes(actual: Uint8Array | null | undefined, expected: Uint8Array, what: string): void {
  assert.ok(
    actual instanceof Uint8Array,
    `${what}: expected the value ${showValue(expected)}, got ${actual === null ? "null" : typeof actual}`,
  );
  assert.ok(
    Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(expected),
    `${what}: expected ${showValue(expected)} (${expected.byteLength} bytes), got ${showValue(actual)} (${actual.byteLength} bytes)`,
  );
}

/** A `get` that must find nothing (missing, expired or deleted). */
export function assertMissing(actual: Uint8Array | null | undefined, what: string): void {
  if (actual !== null) assert.fail(`${what}: expected null (no such key), got ${showValue(actual)}`);
}

/** An `mget` that must find none of its keys. */
export function assertAllMissing(actual: readonly (Uint8Array | null)[], count: number, what: string): void {
  assert.ok(Array.isArray(actual), `${what}: mget must resolve to an array, got ${showValue(actual)}`);
  assert.equal(actual.length, count, `${what}: expected ${count} results, got ${actual.length}`);
  actual.forEach((value, i) => assertMissing(value, `${what} [${i}]`));
}

export function assertSameKeys(actual: readonly string[], expected: readonly string[], what: string): void {
  assert.ok(Array.isArray(actual), `${what}: keys() must return an array`);
  const seen = new Set<string>();
  for (const key of actual) {
    assert.ok(!seen.has(key), `${what}: key ${JSON.stringify(key)} returned twice`);
    seen.add(key);
  }
  const missing = expected.filter((key) => !seen.has(key));
  const extra = actual.filter((key) => !expected.includes(key));
  assert.ok(
    missing.length === 0 && extra.length === 0,
    `${what}: missing ${JSON.stringify(missing.slice(0, 5))}${missing.length > 5 ? ` (+${missing.length - 5})` : ""}, unexpected ${JSON.stringify(extra.slice(0, 5))}${extra.length > 5 ? ` (+${extra.length - 5})` : ""}`,
  );
}

/** Sleeps until `ms` after `since` (a `performance.now()` reading). */
export async function sleepUntil(since: number, ms: number): Promise<void> {
  const left = since + ms - performance.now();
  if (left > 0) await sleep(left);
}

export { assert, sleep };
export { bytes, text } from "./testing/text.js";
