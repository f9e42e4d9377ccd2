import type { SessionKVStore } from "@sessionkv/core";
import { sleep } from "@sessionkv/core/store-kit";

export interface WallClockStepOptions {
  /** The record's TTL. Default 2000 ms (etcd's lease minimum). */
  readonly ttlMs?: number;
  /** How far `Date.now` jumps ahead between the write and the read. Default +400 ms. */
  readonly stepMs?: number;
  /** When the read is issued, as a fraction of the TTL after the write was issued. Default 0.85. */
  readonly readAt?: number;
  /** Tries on fresh keys before the timing is declared unprovable. Default 3. */
  readonly attempts?: number;
}

export interface WallClockStepRead {
  /** What the read across the step returned; the record was written with the value "live". */
  readonly value: Uint8Array | null;
  /**
   * Whether the timing proves the record had to be live: the read resolved (by the monotonic
   * clock) before the TTL counted from when the write was issued. False only on a stalled machine.
   */
  readonly provable: boolean;
  /** The key read (in the store's namespace), left for the caller to inspect or delete. */
  readonly key: string;
}

/**
 * Writes a record, and reads it back at `readAt` of its TTL after `Date.now` of this process has
 * stepped forward by `stepMs` (as an NTP step or a VM clock correction moves it), so that by
 * the wall clock the TTL has run out while by the monotonic clock it has not. A store that
 * judges deadlines by the wall clock returns null; one immune to its own clock's steps (core
 * README, "Clocks and expiry") returns the value. `Date.now` is put back before this resolves.
 */
export async function readAcrossWallClockStep(
  store: SessionKVStore,
  options: WallClockStepOptions = {},
): Promise<WallClockStepRead> {
  const ttlMs = options.ttlMs ?? 2_000;
  const stepMs = options.stepMs ?? 400;
  const readAt = options.readAt ?? 0.85;
  const attempts = options.attempts ?? 3;
  if (ttlMs * readAt + stepMs <= ttlMs) {
    throw new RangeError(
      `a ${stepMs} ms step at ${readAt} of ${ttlMs} ms would not pass the wall-clock deadline`,
    );
  }
  let last: WallClockStepRead | undefined;
  for (let n = 1; n <= attempts; n++) {
    const key = `wall-clock-step-${n}-${Math.random().toString(36).slice(2, 8)}`;
    const issuedAt = performance.now();
    await store.set(key, new TextEncoder().encode("live"), ttlMs);
    await sleep(Math.max(0, issuedAt + ttlMs * readAt - performance.now()));
    const realNow = Date.now;
    Date.now = () => realNow.call(Date) + stepMs;
    let value: Uint8Array | null;
    try {
      value = await store.get(key);
    } finally {
      Date.now = realNow;
    }
    last = { value, provable: performance.now() < issuedAt + ttlMs, key };
    if (last.provable) return last;
  }
  return last!;
}
