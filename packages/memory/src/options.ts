import { validateBoolean, validateOptionsObject, validatePositiveMs } from "@sessionkv/core/store-kit";

export interface InMemorySessionKVStoreOptions {
  /** Period of the background sweep that drops expired records. Default 60 000 ms. */
  readonly cleanupIntervalMs?: number;
  /** Largest value accepted. Default 16 MiB. */
  readonly maxValueBytes?: number;
  /** Longest key accepted, in UTF-8 bytes. Default 4096. */
  readonly maxKeyBytes?: number;
  /**
   * `store.notifications` with in-process delivery (README, "Notifications"). Default true; false
   * leaves it undefined, as on a store that cannot push, so that hosts poll only.
   */
  readonly notifications?: boolean;
}

/** The options once checked, with their defaults. */
export interface ResolvedOptions {
  readonly cleanupIntervalMs: number;
  readonly maxValueBytes: number;
  readonly maxKeyBytes: number;
  readonly notifications: boolean;
}

export function resolveOptions(options: InMemorySessionKVStoreOptions): ResolvedOptions {
  validateOptionsObject(options);
  const cleanupIntervalMs = options.cleanupIntervalMs ?? 60_000;
  const maxValueBytes = options.maxValueBytes ?? 16 * 1024 * 1024;
  const maxKeyBytes = options.maxKeyBytes ?? 4096;
  validatePositiveMs(cleanupIntervalMs, "cleanupIntervalMs");
  validatePositiveMs(maxValueBytes, "maxValueBytes");
  validatePositiveMs(maxKeyBytes, "maxKeyBytes");
  const notifications = options.notifications ?? true;
  validateBoolean(notifications, "notifications");
  return { cleanupIntervalMs, maxValueBytes, maxKeyBytes, notifications };
}
