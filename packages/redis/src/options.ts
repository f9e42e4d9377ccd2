import type { BaseStoreOptions } from "@sessionkv/core/store-kit";
import type { RedisOptions } from "ioredis";
import { VISION_AGENTS_KEY_PREFIX } from "./interop.js";
import type { ListingMode } from "./listing.js";
import type { RedisClient } from "./topology.js";

export interface RedisSessionKVStoreOptions extends BaseStoreOptions {
  /** `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS. The store creates and closes its client. */
  readonly url?: string;
  /** An existing ioredis `Redis` (standalone or Sentinel) or `Cluster`. Used as is; never closed by the store. */
  readonly client?: RedisClient;
  /** Extra ioredis options for the client created from `url` (TLS CA, family, db...). */
  readonly redisOptions?: RedisOptions;
  /** Prepended to every key: the store's namespace. Default `sessionkv:`. */
  readonly keyPrefix?: string;
  /**
   * How `keys()` lists: `"index"` (a per-partition sorted set, O(keys listed)), `"index+scan"`
   * (index kept, listings scan: lists Python-written records) or `"scan"` (no index). Default
   * `"index"`, or `"index+scan"` with the Python original's prefix. README, "Listing".
   */
  readonly listing?: ListingMode;
}

/** A store on the Python original's prefix shares it with Python nodes, which write no index. */
export function defaultListing(keyPrefix: string): ListingMode {
  return keyPrefix === VISION_AGENTS_KEY_PREFIX ? "index+scan" : "index";
}

export const DEFAULT_KEY_PREFIX = "sessionkv:";
