export { ErrorCode, SessionKVError, isSessionKVError, invalidArgument } from "./errors.js";
export type { MsetEntry, SessionKVStore, SetOptions, StoreCapabilities } from "./types.js";
export { BaseSessionKVStore, DEFAULT_OPERATION_TIMEOUT_MS, requireOption } from "./base-store.js";
export type { BaseStoreOptions } from "./base-store.js";
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
  validateValue,
} from "./validate.js";
export { redactError, redactText } from "./redact.js";
export { sleep, withDeadline } from "./deadline.js";
export { chunk, copyBytes, unique } from "./batch.js";
export {
  DEADLINE_HEADER_BYTES,
  ceilSeconds,
  deadlineFor,
  decodeWithDeadline,
  encodeWithDeadline,
  liveValue,
} from "./expiry.js";
export type { DecodedRecord } from "./expiry.js";
export { SessionRegistry, DEFAULT_REGISTRY_TTL_MS } from "./registry/session-registry.js";
export type {
  OwnedSession,
  PollResult,
  RegisterOptions,
  SessionRegistryOptions,
  SessionWrite,
  SkippedWrite,
} from "./registry/session-registry.js";
export type { SessionInfo, SessionMetrics, StoredSession } from "./registry/session-info.js";
export { consoleLogger, silentLogger } from "./registry/logger.js";
export type { SessionLogger } from "./registry/logger.js";
export { closeRequestKey, sessionKey } from "./registry/keys.js";
export { decodeRecord, encodeRecord, parsePythonJson } from "./registry/record.js";
export type { DecodeResult, WireRecord } from "./registry/record.js";
export { SessionHost, DEFAULT_MAINTENANCE_INTERVAL_MS } from "./host/session-host.js";
export type { SessionHostOptions } from "./host/session-host.js";
export type { CloseReason, HostedSession } from "./host/hosted-session.js";
