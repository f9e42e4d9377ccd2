/**
 * What an application uses: the store contract, errors, the registry and the host. What a store
 * implementer needs on top (base class, validation, deadlines, byte helpers) is
 * `@sessionkv/core/store-kit`.
 */
export { ErrorCode, SessionKVError, isSessionKVError } from "./errors.js";
export type { LimitReachedDetails, LimitScope, SessionExistsDetails } from "./errors.js";
export { MAX_TTL_MS } from "./validate.js";
export type { MsetEntry, PartitionListing, SessionKVStore, SetOptions, StoreCapabilities } from "./types.js";
export type { KeySet, PreparedKeys } from "./prepared-keys.js";
export type { StoreNotifications, Subscription } from "./notifications/contract.js";
export { SessionRegistry, DEFAULT_REGISTRY_TTL_MS } from "./registry/session-registry.js";
export type { RegisterOptions, SessionRegistryOptions } from "./registry/session-registry.js";
export type {
  HostProtocol,
  NodeBeat,
  NodePollResult,
  OwnedSession,
  PollResult,
  SessionWrite,
  SkippedWrite,
} from "./registry/host-protocol.js";
export type { SessionInfo, SessionMetrics, StoredSession } from "./registry/session-info.js";
export { consoleLogger, silentLogger } from "./registry/logger.js";
export type { SessionLogger } from "./registry/logger.js";
export type {
  DrainRequest,
  NodeInfo,
  NodeRecordContent,
  RequestDrainOptions,
} from "./registry/node-record.js";
export { closeRequestKey, drainRequestKey, nodeKey, sessionKey } from "./registry/keys.js";
export { validateIds as validateSessionIds } from "./registry/validate.js";
export { SessionHost } from "./host/session-host.js";
export { DEFAULT_MAINTENANCE_INTERVAL_MS } from "./host/options.js";
export type { AddOptions, DrainOptions, ReserveOptions, SessionHostOptions } from "./host/options.js";
export { SeatReservation } from "./host/seat-reservation.js";
export type { ReservedAddOptions } from "./host/seat-reservation.js";
export { HostEvents } from "./host/host-events.js";
export type {
  HostEventMap,
  HostEventName,
  SeatLostEvent,
  SeatRetakenEvent,
  SessionTakenOverEvent,
} from "./host/host-events.js";
export { CallSeats, MAX_SEATS_PER_CALL, seatKey } from "./registry/call-seats.js";
export type { HeldSeat, SeatCount } from "./registry/call-seats.js";
export type { CloseReason, HostedSession } from "./host/hosted-session.js";
export { DIAGNOSTICS_CHANNELS, DIAGNOSTICS_VERSION } from "./diagnostics/names.js";
export type { StoreOperationContext, StoreTarget } from "./diagnostics/store-channels.js";
export type {
  CloseHonouredMessage,
  CloseRequestedMessage,
  HostCycleContext,
} from "./diagnostics/host-channels.js";
