import {
  type BaseStoreOptions,
  invalidArgument,
  validateKeyPrefix,
  validatePositiveMs,
} from "@sessionkv/core/store-kit";
import type memjs from "memjs";

export interface MemcachedSessionKVStoreOptions extends BaseStoreOptions {
  /** An existing memjs client; the store never closes it. Its `failover` must stay off (README). */
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

export function checkOptions(options: MemcachedSessionKVStoreOptions): void {
  if (options === null || typeof options !== "object") throw invalidArgument("options", "must be an object");
  const hasClient = options.client !== undefined;
  const hasServers = options.servers !== undefined;
  if (hasClient === hasServers)
    throw invalidArgument("options", "needs exactly one of `client` or `servers`");
  if (hasServers) {
    const list = typeof options.servers === "string" ? options.servers.split(",") : options.servers;
    if (
      !Array.isArray(list) ||
      list.length === 0 ||
      list.some((s) => typeof s !== "string" || s.trim() === "")
    ) {
      throw invalidArgument("servers", "must be a non-empty list of host:port");
    }
  }
  if (options.keyPrefix !== undefined) validateKeyPrefix(options.keyPrefix);
  if (options.maxValueBytes !== undefined) {
    validatePositiveMs(options.maxValueBytes, "maxValueBytes");
    if (!Number.isInteger(options.maxValueBytes) || options.maxValueBytes < MIN_MAX_VALUE_BYTES) {
      throw invalidArgument("maxValueBytes", `must be an integer ≥ ${MIN_MAX_VALUE_BYTES}`);
    }
  }
}

/** Passwords given inline (`user:pass@host:port`) or as an option, for redaction. */
export function secretsOf(options: MemcachedSessionKVStoreOptions): string[] {
  const secrets: string[] = [];
  if (options.password) secrets.push(options.password);
  const list = typeof options.servers === "string" ? options.servers.split(",") : (options.servers ?? []);
  for (const uri of list) {
    const at = uri.lastIndexOf("@");
    if (at < 0) continue;
    const colon = uri.indexOf(":");
    if (colon >= 0 && colon < at) secrets.push(uri.slice(colon + 1, at));
  }
  return secrets.filter((s) => s.length > 0);
}
