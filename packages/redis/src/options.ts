import {
  type BaseStoreOptions,
  invalidArgument,
  validateBoolean,
  validateExactlyOne,
  validateKeyPrefix,
  validateOptionsObject,
} from "@sessionkv/core/store-kit";
import type { RedisOptions } from "ioredis";
import { VISION_AGENTS_KEY_PREFIX } from "./interop.js";
import { type ListingMode, validateListing } from "./listing.js";
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
  /**
   * `store.notifications` over PUBLISH/SUBSCRIBE on a subscriber connection of the store's own
   * (README, "Notifications"). Default true; false opens no such connection and leaves
   * `store.notifications` undefined, so hosts poll only.
   */
  readonly notifications?: boolean;
}

/** A store on the Python original's prefix shares it with Python nodes, which write no index. */
function defaultListing(keyPrefix: string): ListingMode {
  return keyPrefix === VISION_AGENTS_KEY_PREFIX ? "index+scan" : "index";
}

export const DEFAULT_KEY_PREFIX = "sessionkv:";

/** The options once checked, with their defaults. */
export interface ResolvedOptions {
  /** Set when the store creates its client; undefined with a caller's `client`. */
  readonly url: string | undefined;
  readonly client: RedisClient | undefined;
  readonly redisOptions: RedisOptions | undefined;
  readonly keyPrefix: string;
  readonly listing: ListingMode;
  readonly notifications: boolean;
}

export function resolveOptions(options: RedisSessionKVStoreOptions): ResolvedOptions {
  validateOptionsObject(options);
  validateExactlyOne(options, "url", "client");
  const { url, client, redisOptions } = options;
  if (url !== undefined) {
    if (typeof url !== "string") throw invalidArgument("url", "must be a string");
    checkUrl(url);
  }
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  validateKeyPrefix(keyPrefix);
  const listing = validateListing(
    options.listing === undefined ? defaultListing(keyPrefix) : options.listing,
  );
  const notifications = options.notifications ?? true;
  validateBoolean(notifications, "notifications");
  return { url, client, redisOptions, keyPrefix, listing, notifications };
}

/** Rejects a malformed URL without echoing it: it may carry a password. */
function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidArgument(
      "url",
      "is not a valid URL (expected redis://[user:password@]host:port[/db] or rediss://...)",
    );
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw invalidArgument("url", `must use redis:// or rediss:// (got ${parsed.protocol}//)`);
  }
}
