export { ErrorCode, SessionKVError, isSessionKVError, invalidArgument } from "./errors.js";
export type { MsetEntry, SessionKVStore, SetOptions, StoreCapabilities } from "./types.js";
export { BaseSessionKVStore, DEFAULT_OPERATION_TIMEOUT_MS, requireOption } from "./base-store.js";
export type { BaseStoreOptions } from "./base-store.js";
export {
  isWellFormed,
  utf8Length,
  validateEntries,
  validateKey,
  validateKeys,
  validatePositiveMs,
  validatePrefix,
  validateSetOptions,
  validateValue,
} from "./validate.js";
export { redactError, redactText } from "./redact.js";
export { sleep, withDeadline } from "./deadline.js";
export { chunk, unique } from "./batch.js";
export {
  DEADLINE_HEADER_BYTES,
  ceilSeconds,
  deadlineFor,
  decodeWithDeadline,
  encodeWithDeadline,
  liveValue,
} from "./expiry.js";
export type { DecodedRecord } from "./expiry.js";
