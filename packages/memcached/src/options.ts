import {
  type BaseStoreOptions,
  invalidArgument,
  validateExactlyOne,
  validateInteger,
  validateKeyPrefix,
  validateOptionsObject,
} from "@sessionkv/core/store-kit";
import type memjs from "memjs";

export interface MemcachedSessionKVStoreOptions extends BaseStoreOptions {
  /**
   * An existing memjs client (of a version the store is tested with: README); the store never
   * closes it. Its `failover` must stay off (README).
   */
  readonly client?: memjs.Client;
  /** `"host:port,host:port"` or a list of `host:port`; the store creates (and closes) its own client. */
  readonly servers?: string | readonly string[];
  /** SASL (PLAIN) credentials for `servers`. */
  readonly username?: string;
  readonly password?: string;
  /** Namespace: stores with different prefixes never see each other's keys. Default `""`. */
  readonly keyPrefix?: string;
  /**
   * Largest value accepted. Default: the server's default item size (1 MiB) minus room for the
   * key, the envelope and Memcached's item header. Set it from the server's `-I` if you raise it.
   */
  readonly maxValueBytes?: number;
}

/** 1 MiB default item size (`-I`), minus 2 KiB: item header (~56 B), the ≤250-byte key, envelope (≤1,036 B). */
export const DEFAULT_MAX_VALUE_BYTES = 1024 * 1024 - 2048;
export const MIN_MAX_VALUE_BYTES = 256 * 1024;
export const MAX_KEY_BYTES = 1024;

/** The options once checked, with their defaults. */
export interface ResolvedOptions {
  /** The caller's client, or undefined when the store creates its own from `servers`. */
  readonly client: memjs.Client | undefined;
  /** `host:port` entries (credentials inline allowed); empty with a caller's client. */
  readonly servers: readonly string[];
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly keyPrefix: string;
  readonly maxValueBytes: number;
}

export function resolveOptions(options: MemcachedSessionKVStoreOptions): ResolvedOptions {
  validateOptionsObject(options);
  validateExactlyOne(options, "servers", "client");
  const servers = typeof options.servers === "string" ? options.servers.split(",") : (options.servers ?? []);
  if (options.servers !== undefined) {
    if (
      !Array.isArray(servers) ||
      servers.length === 0 ||
      servers.some((s) => typeof s !== "string" || s.trim() === "")
    ) {
      throw invalidArgument("servers", "must be a non-empty list of host:port");
    }
  }
  const { keyPrefix = "", maxValueBytes = DEFAULT_MAX_VALUE_BYTES } = options;
  validateKeyPrefix(keyPrefix);
  validateInteger(maxValueBytes, "maxValueBytes", MIN_MAX_VALUE_BYTES);
  return {
    client: options.client,
    servers,
    username: options.username,
    password: options.password,
    keyPrefix,
    maxValueBytes,
  };
}

/** Passwords given inline (`user:pass@host:port`) or as an option, for redaction. */
export function secretsOf(options: ResolvedOptions): string[] {
  const secrets: string[] = [];
  if (options.password) secrets.push(options.password);
  for (const uri of options.servers) {
    const at = uri.lastIndexOf("@");
    if (at < 0) continue;
    const colon = uri.indexOf(":");
    if (colon >= 0 && colon < at) secrets.push(uri.slice(colon + 1, at));
  }
  return secrets.filter((s) => s.length > 0);
}
