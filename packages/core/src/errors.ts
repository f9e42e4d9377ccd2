/**
 * Every failure a store, the registry or the host reports is a `SessionKVError` with a stable
 * `code`. Codes are part of the public API: callers branch on them, never on messages.
 */
export const ErrorCode = {
  /** A parameter is malformed: empty or ill-formed key, bad TTL, bad id, bad option. */
  INVALID_ARGUMENT: "ERR_INVALID_ARGUMENT",
  /** A value is larger than the store's `capabilities.maxValueBytes`. Nothing was written. */
  VALUE_TOO_LARGE: "ERR_VALUE_TOO_LARGE",
  /** An operation was called before `start()` resolved. */
  STORE_NOT_STARTED: "ERR_STORE_NOT_STARTED",
  /** An operation was called after `close()`. */
  STORE_CLOSED: "ERR_STORE_CLOSED",
  /** The server could not be reached or did not answer within `operationTimeoutMs`. */
  STORE_UNAVAILABLE: "ERR_STORE_UNAVAILABLE",
  /** The server answered with something the store cannot interpret (a bug or a foreign writer). */
  STORE_PROTOCOL: "ERR_STORE_PROTOCOL",
  /** The backend needs a resource that does not exist (e.g. a DynamoDB table) and may not create it. */
  STORE_MISCONFIGURED: "ERR_STORE_MISCONFIGURED",
  /** A registry or host operation was called before `start()` or after `stop()`. */
  NOT_RUNNING: "ERR_NOT_RUNNING",
  /** `SessionHost.add()` on a draining host: it takes no new sessions; add the session on another node. */
  DRAINING: "ERR_DRAINING",
  /**
   * A host refused a session or a seat: the call's `maxSessionsPerCall` seats are all taken, or
   * the node holds `maxSessions` already. `details` names the call, the limit and the scope.
   */
  LIMIT_REACHED: "ERR_LIMIT_REACHED",
  /** The session id is registered by another live node; `details` names that owner. */
  SESSION_EXISTS: "ERR_SESSION_EXISTS",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * Marks every `SessionKVError`, from whichever copy of this package created it. An application can
 * end up with two copies of core (its own and one a backend resolved), and a class is not shared
 * across copies; a registered symbol is, so errors stay recognisable.
 */
const BRAND = Symbol.for("sessionkv.error");

export class SessionKVError extends Error {
  override readonly name = "SessionKVError";
  readonly code: ErrorCode;
  /** What the error is about, for callers that branch on more than the code (e.g. the limit hit). */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Readonly<Record<string, unknown>> },
  ) {
    super(message, options);
    this.code = code;
    this.details = options?.details;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** `instanceof` asks the brand, so it also holds for an error from another copy of core. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // A subclass keeps the ordinary prototype check: the brand says "some SessionKVError" only.
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class on the right of instanceof.
    if (this !== SessionKVError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === "object" && value !== null && Reflect.get(value, BRAND) === true;
  }
}

export function isSessionKVError(error: unknown, code?: ErrorCode): error is SessionKVError {
  return error instanceof SessionKVError && (code === undefined || error.code === code);
}

export function invalidArgument(parameter: string, problem: string): SessionKVError {
  return new SessionKVError(ErrorCode.INVALID_ARGUMENT, `${parameter} ${problem}`);
}

/** A registry or host call outside its running window (ERR_NOT_RUNNING). */
export function notRunning(owner: string, operation: string, when: string): SessionKVError {
  return new SessionKVError(ErrorCode.NOT_RUNNING, `${owner}.${operation}() called ${when}`);
}

/** Where a limit applies: across the fleet for one call, or on this node alone. */
export type LimitScope = "call" | "node";

/** `details` of an ERR_LIMIT_REACHED. */
export interface LimitReachedDetails {
  readonly scope: LimitScope;
  readonly limit: number;
  readonly callId: string;
  readonly nodeId: string;
}

export function limitReached(details: LimitReachedDetails): SessionKVError {
  const where =
    details.scope === "call"
      ? `all ${details.limit} seat(s) of call ${JSON.stringify(details.callId)} are taken (maxSessionsPerCall, scope "call")`
      : `node ${JSON.stringify(details.nodeId)} already holds its ${details.limit} session(s) (maxSessions, scope "node"; call ${JSON.stringify(details.callId)})`;
  return new SessionKVError(ErrorCode.LIMIT_REACHED, `limit reached: ${where}`, { details: { ...details } });
}

/** `details` of an ERR_SESSION_EXISTS. */
export interface SessionExistsDetails {
  readonly callId: string;
  readonly sessionId: string;
  readonly ownerNodeId: string;
}

export function sessionExists(details: SessionExistsDetails): SessionKVError {
  return new SessionKVError(
    ErrorCode.SESSION_EXISTS,
    `session ${JSON.stringify(`${details.callId}/${details.sessionId}`)} is already hosted by node ${JSON.stringify(details.ownerNodeId)}`,
    { details: { ...details } },
  );
}
