/**
 * A key set a store has validated, de-duplicated and encoded once (core README, "Prepared key
 * sets"): `mget`, `expire` and `delete` of that store take it in place of the array, and skip
 * the work. It belongs to the store that prepared it; any other store refuses it.
 */
export interface PreparedKeys {
  /** The keys as given to `prepare`, in order, repeats included: what `mget` answers for. */
  readonly keys: readonly string[];
}

/** What `mget`, `expire` and `delete` take. */
export type KeySet = readonly string[] | PreparedKeys;

/** The keys a key set names, for code that wraps a store and needs to see them. */
export function keysOf(keys: KeySet): readonly string[] {
  return Array.isArray(keys) ? keys : (keys as PreparedKeys).keys;
}

/**
 * The handle `BaseSessionKVStore` hands out. Its fields are private, so that only the store that
 * made it (checked by `openedBy`) reads what it derived, and no caller can forge one.
 */
export class PreparedKeySet<Encoded> implements PreparedKeys {
  readonly keys: readonly string[];
  readonly #owner: object;
  readonly #distinct: readonly string[];
  readonly #positions: Uint32Array | undefined;
  readonly #encoded: Encoded | undefined;

  constructor(
    owner: object,
    keys: readonly string[],
    distinct: readonly string[],
    encoded: Encoded | undefined,
  ) {
    this.#owner = owner;
    this.keys = keys;
    this.#distinct = distinct;
    this.#encoded = encoded;
    this.#positions = distinct.length === keys.length ? undefined : positionsIn(keys, distinct);
  }

  /** What `owner` prepared, or `undefined` when `value` is not a key set `owner` made. */
  static openedBy<Encoded>(value: unknown, owner: object): PreparedContents<Encoded> | undefined {
    if (!PreparedKeySet.is(value) || value.#owner !== owner) return undefined;
    return {
      keys: value.keys,
      distinct: value.#distinct,
      positions: value.#positions,
      encoded: value.#encoded as Encoded | undefined,
    };
  }

  /** The store that prepared `value`, when it is a key set from this copy of core. */
  static ownerOf(value: unknown): object | undefined {
    return PreparedKeySet.is(value) ? value.#owner : undefined;
  }

  static is(value: unknown): value is PreparedKeySet<unknown> {
    return typeof value === "object" && value !== null && #owner in value;
  }
}

export interface PreparedContents<Encoded> {
  readonly keys: readonly string[];
  /** The keys without repeats (the keys themselves when the store accepts repeats). */
  readonly distinct: readonly string[];
  /** For each of `keys`, its index in `distinct`; absent when there are no repeats. */
  readonly positions: Uint32Array | undefined;
  /** What the backend's `doPrepare` derived. */
  readonly encoded: Encoded | undefined;
}

function positionsIn(keys: readonly string[], distinct: readonly string[]): Uint32Array {
  const at = new Map<string, number>();
  distinct.forEach((key, i) => at.set(key, i));
  const positions = new Uint32Array(keys.length);
  for (let i = 0; i < keys.length; i++) positions[i] = at.get(keys[i] as string) as number;
  return positions;
}
