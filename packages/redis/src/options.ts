import type { BaseStoreOptions } from "@sessionkv/core/store-kit";
import type { RedisOptions } from "ioredis";
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
}

export const DEFAULT_KEY_PREFIX = "sessionkv:";
