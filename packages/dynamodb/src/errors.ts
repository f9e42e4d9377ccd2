import { ErrorCode, SessionKVError } from "@sessionkv/core";

/** SDK exceptions are matched by name, not class: a caller's client may come from another SDK copy. */
export function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** A conditional write whose condition ("exists and not expired") did not hold: the intended no-op. */
export function isConditionFailure(error: unknown): boolean {
  return errorName(error) === "ConditionalCheckFailedException";
}

/** The table or the credentials are wrong: retrying will not help, the deployment must change. */
const MISCONFIGURED = new Set([
  "ResourceNotFoundException",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "IncompleteSignatureException",
  "MissingAuthenticationTokenException",
  "AccessDeniedException",
  "ExpiredTokenException",
  "CredentialsProviderError",
]);

/** The request itself was refused: a bug in this store or a server that behaves unlike DynamoDB. */
const PROTOCOL = new Set(["ValidationException", "SerializationException"]);

/**
 * Maps an SDK error to a SessionKVError. Everything not known to be a configuration or protocol
 * problem (network errors, timeouts, aborts, throttling, 5xx) means "the server is unavailable
 * now": the caller may retry later, and the store recovers by itself.
 */
export function classifyDynamoError(error: unknown, operation: string, tableName: string): SessionKVError {
  const name = errorName(error) ?? "Error";
  const message = error instanceof Error ? error.message : String(error);
  if (MISCONFIGURED.has(name)) {
    const what =
      name === "ResourceNotFoundException"
        ? `DynamoDB table "${tableName}" is missing`
        : "DynamoDB refused the credentials";
    return new SessionKVError(
      ErrorCode.STORE_MISCONFIGURED,
      `${operation} failed: ${what} (${name}: ${message})`,
      {
        cause: error,
      },
    );
  }
  const code = PROTOCOL.has(name) ? ErrorCode.STORE_PROTOCOL : ErrorCode.STORE_UNAVAILABLE;
  return new SessionKVError(code, `${operation} failed: ${name}: ${message}`, { cause: error });
}
