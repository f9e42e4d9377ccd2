export interface InMemorySessionKVStoreOptions {
  /** Period of the background sweep that drops expired records. Default 60 000 ms. */
  readonly cleanupIntervalMs?: number;
  /** Largest value accepted. Default 16 MiB. */
  readonly maxValueBytes?: number;
  /** Longest key accepted, in UTF-8 bytes. Default 4096. */
  readonly maxKeyBytes?: number;
}
