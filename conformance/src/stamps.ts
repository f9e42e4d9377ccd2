/**
 * When an operation left the caller and when its promise settled (`performance.now()` readings).
 * The server acted somewhere in between: that is all a loaded machine lets a case know.
 */
export interface Stamp {
  readonly issuedAt: number;
  readonly resolvedAt: number;
}

/** `work`'s value and its stamp; a rejection passes through unchanged. */
export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; stamp: Stamp }> {
  const issuedAt = performance.now();
  const value = await work();
  return { value, stamp: { issuedAt, resolvedAt: performance.now() } };
}

/**
 * Where a record is provably present: a read issued at or after `from` that resolves before
 * `until` must see it. `until` counts from when the write was *issued*, since the server may have
 * applied it at once; `from` is when it had certainly been applied.
 */
export interface Presence {
  readonly from: number;
  readonly until: number;
}

/** No proof at all: no read counts. */
export const UNPROVEN: Presence = { from: Number.POSITIVE_INFINITY, until: Number.NEGATIVE_INFINITY };

/** Where several records are all provably present. */
export function overlap(presences: readonly Presence[]): Presence {
  return {
    from: Math.max(...presences.map((p) => p.from)),
    until: Math.min(...presences.map((p) => p.until)),
  };
}

/** A record written (set, mset) by the operation `stamp` with `ttlMs`. */
export function written(stamp: Stamp, ttlMs: number): Presence {
  return { from: stamp.resolvedAt, until: stamp.issuedAt + ttlMs };
}

/**
 * After an `expire` (or refresh) of the record with `ttlMs`: it moved the deadline only if it
 * provably reached the server while the record was alive; otherwise the old proof stands.
 */
export function extended(presence: Presence, stamp: Stamp, ttlMs: number): Presence {
  if (stamp.resolvedAt >= presence.until) return presence;
  return { from: presence.from, until: stamp.issuedAt + ttlMs };
}

export function ms(value: number): string {
  return `${Math.round(value)} ms`;
}
