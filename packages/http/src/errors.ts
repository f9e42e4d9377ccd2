import { ErrorCode, isSessionKVError } from "@sessionkv/core";
import type { SessionLogger } from "@sessionkv/core";

/**
 * The codes this package answers with besides core's own (README "Error codes"). They name HTTP
 * outcomes, not store failures, so they live here rather than in core's `ErrorCode`.
 */
export const HttpErrorCode = {
  /** No such session, or no such route. */
  NOT_FOUND: "ERR_NOT_FOUND",
  /** The route exists, the method does not (the `Allow` header lists those that do). */
  METHOD_NOT_ALLOWED: "ERR_METHOD_NOT_ALLOWED",
  /** A permission hook refused the request. */
  FORBIDDEN: "ERR_FORBIDDEN",
  /** A request body past `maxBodyBytes`. */
  BODY_TOO_LARGE: "ERR_BODY_TOO_LARGE",
  /** `/ready` while the host is not running. */
  NOT_READY: "ERR_NOT_READY",
  /** `launch` threw something that is not a typed limit or argument error. */
  LAUNCH_FAILED: "ERR_LAUNCH_FAILED",
  /** Anything else; the error goes to the logger, never into the response. */
  INTERNAL: "ERR_INTERNAL",
} as const;

export type HttpErrorCode = (typeof HttpErrorCode)[keyof typeof HttpErrorCode];

/**
 * The code of a refused seat. Session limits are not part of core yet; matching the code by its
 * string (rather than importing a constant) makes any error carrying it a 429 from the day they land,
 * and lets `launch` enforce its own limits meanwhile.
 */
export const LIMIT_REACHED = "ERR_LIMIT_REACHED";

/** A response the handler decided on: status, code and a message that is safe to show. */
export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
  }
}

/** The error body: `{ error: { code, message, details? } }`, plus `detail`, the field a client of the Python original reads. */
export function errorResponse(error: HttpError): Response {
  const body = {
    error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) },
    detail: error.message,
  };
  return Response.json(body, { status: error.status, headers: { ...error.headers } });
}

/** Maps anything thrown while answering to the response; 5xx causes are logged, never shown. */
export function toHttpError(error: unknown, logger: SessionLogger): HttpError {
  if (error instanceof HttpError) return error;
  const code = codeOf(error);
  if (code === LIMIT_REACHED) {
    return new HttpError(
      429,
      LIMIT_REACHED,
      messageOf(error, "a session limit was reached"),
      detailsOf(error),
    );
  }
  if (isSessionKVError(error, ErrorCode.INVALID_ARGUMENT))
    return new HttpError(400, error.code, error.message);
  if (
    isSessionKVError(error, ErrorCode.NOT_RUNNING) ||
    isSessionKVError(error, ErrorCode.DRAINING) ||
    isSessionKVError(error, ErrorCode.STORE_UNAVAILABLE)
  ) {
    logger.warn("sessionkv/http: answered 503", error);
    return new HttpError(503, error.code, error.message);
  }
  logger.error("sessionkv/http: answered 500", error);
  if (isSessionKVError(error)) return new HttpError(500, error.code, `the store failed (${error.code})`);
  return new HttpError(500, HttpErrorCode.INTERNAL, "internal error");
}

function codeOf(error: unknown): unknown {
  return typeof error === "object" && error !== null ? Reflect.get(error, "code") : undefined;
}

function messageOf(error: unknown, fallback: string): string {
  const message = error instanceof Error ? error.message : undefined;
  return typeof message === "string" && message.length > 0 ? message : fallback;
}

function detailsOf(error: unknown): Readonly<Record<string, unknown>> | undefined {
  const details = typeof error === "object" && error !== null ? Reflect.get(error, "details") : undefined;
  return typeof details === "object" && details !== null && !Array.isArray(details)
    ? (details as Record<string, unknown>)
    : undefined;
}
