/**
 * `@sessionkv/core/store-kit`: what a store implementation builds on. Applications need none of
 * it; they import `@sessionkv/core`.
 */
export { invalidArgument } from "./errors.js";
export { BaseSessionKVStore, DEFAULT_OPERATION_TIMEOUT_MS } from "./base-store.js";
export type { BaseStoreOptions } from "./base-store.js";
export type { StoreTarget } from "./diagnostics/store-channels.js";
export {
  isWellFormed,
  utf8Length,
  validateEntries,
  validateKey,
  validateKeyPrefix,
  validateKeys,
  MAX_KEY_PREFIX_BYTES,
  validatePositiveMs,
  validatePrefix,
  validateSetOptions,
  validateTtlMs,
  validateValue,
  MAX_TTL_MS,
} from "./validate.js";
export {
  validateBoolean,
  validateExactlyOne,
  validateInteger,
  validateOptionsObject,
} from "./backend-options.js";
export type { StoreClient } from "./backend-options.js";
export { REDACT_ANYWHERE_MIN_LENGTH, redactError, redactText } from "./redact.js";
export { sleep, withTimeout } from "./timeout.js";
export { chunk, copyBytes, equalBytes, unique } from "./batch.js";
export { MAX_CLOCK_SLEW, MAX_SLEWED_GAP_MS, SteadyWallClock, deadlineClock, deadlineNow } from "./clock.js";
export {
  DEADLINE_HEADER_BYTES,
  ceilSeconds,
  deadlineFor,
  decodeWithDeadline,
  encodeWithDeadline,
  liveValue,
} from "./expiry.js";
export type { DecodedRecord } from "./expiry.js";
export { partitionOf } from "./partition.js";
export { keysOf } from "./prepared-keys.js";
export { NotificationHub } from "./notifications/hub.js";
export type {
  NotificationHubOptions,
  NotificationSink,
  NotificationTransport,
} from "./notifications/hub.js";
export { DEFAULT_MAX_PAYLOAD_BYTES, MAX_CHANNEL_BYTES } from "./notifications/contract.js";
export { validateChannel, validatePayload } from "./notifications/validate.js";
export { inProcessTransport } from "./notifications/in-process.js";
