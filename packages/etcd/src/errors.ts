import { ErrorCode, SessionKVError } from "@sessionkv/core";
import {
  EtcdAuthenticationFailedError,
  EtcdInvalidAuthTokenError,
  EtcdPermissionDeniedError,
  GRPCFailedPreconditionError,
  GRPCInvalidArgumentError,
  GRPCOutOfRangeError,
  GRPCUnauthenticatedError,
} from "etcd3";

/**
 * Wrong credentials or a role without access to the key prefix: retrying cannot help, an
 * operator has to fix the settings or the server's roles (reported apart from outages, like
 * the Redis store's WRONGPASS/NOPERM).
 */
const ACCESS_ERRORS = [
  EtcdAuthenticationFailedError,
  EtcdPermissionDeniedError,
  EtcdInvalidAuthTokenError,
  GRPCUnauthenticatedError,
];

/** Credentials problems etcd reports with a generic gRPC code: no user on a cluster with authentication enabled (INVALID_ARGUMENT). */
const ACCESS_MESSAGES = ["etcdserver: user name is empty"];

/** Requests the server rejected as malformed (a limit lower than configured, a bug). */
const PROTOCOL_ERRORS = [GRPCInvalidArgumentError, GRPCFailedPreconditionError, GRPCOutOfRangeError];

export function classifyEtcdError(error: unknown, operation: string): SessionKVError {
  if (error instanceof SessionKVError) return error;
  const cause = error instanceof Error ? error : new Error(String(error));
  const message = `${operation} failed: ${cause.message}`;
  if (
    ACCESS_ERRORS.some((type) => cause instanceof type) ||
    ACCESS_MESSAGES.some((text) => cause.message.includes(text))
  ) {
    return new SessionKVError(ErrorCode.STORE_MISCONFIGURED, message, { cause });
  }
  if (PROTOCOL_ERRORS.some((type) => cause instanceof type)) {
    return new SessionKVError(ErrorCode.STORE_PROTOCOL, message, { cause });
  }
  // Refused or reset connections, deadlines, an open circuit breaker
  // (etcd3-patches/fault-handling.ts), no leader, leader changed, lease churn: all transient.
  return new SessionKVError(ErrorCode.STORE_UNAVAILABLE, message, { cause });
}
