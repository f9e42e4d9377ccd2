import { ErrorCode, SessionKVError } from "@sessionkv/core";
import { MemcachedStatusError, Status } from "./protocol.js";

/** Answers that mean "not now": the store recovers by itself once the server has room or time. */
const TRANSIENT: ReadonlySet<number> = new Set([Status.OUT_OF_MEMORY, Status.BUSY, Status.TEMPORARY_FAILURE]);

/**
 * Maps a server answer or a memjs failure to a SessionKVError. A status the store did not expect
 * is a protocol problem, except the transient ones; anything else memjs reports (refused, lost or
 * silent connections) means the server is unavailable now.
 */
export function classifyMemcachedError(error: unknown, operation: string): SessionKVError {
  if (error instanceof SessionKVError) return error;
  if (error instanceof MemcachedStatusError) {
    if (error.status === Status.VALUE_TOO_LARGE) {
      return new SessionKVError(
        ErrorCode.VALUE_TOO_LARGE,
        `${operation} failed: the item exceeds the server's item size`,
        { cause: error },
      );
    }
    if (error.status === Status.AUTH_ERROR) {
      return new SessionKVError(
        ErrorCode.STORE_MISCONFIGURED,
        `${operation} failed: the server refused the credentials (SASL)`,
        { cause: error },
      );
    }
    const code = TRANSIENT.has(error.status) ? ErrorCode.STORE_UNAVAILABLE : ErrorCode.STORE_PROTOCOL;
    return new SessionKVError(code, `${operation} failed: ${error.message}`, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new SessionKVError(ErrorCode.STORE_UNAVAILABLE, `${operation} failed: ${message}`, { cause: error });
}

/**
 * What memjs hands an error callback, as an Error. memjs reports a refused SASL login (and any
 * AUTH_ERROR answer, which it intercepts) as a bare string: made a status error, so that it is
 * classified as "credentials refused".
 */
export function memjsError(error: unknown): Error {
  if (error instanceof Error) return error;
  const text = String(error);
  if (/authentication failed/i.test(text))
    return new MemcachedStatusError(Status.AUTH_ERROR, "SASL login refused");
  return new Error(text);
}
