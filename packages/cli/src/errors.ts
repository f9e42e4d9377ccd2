import { ErrorCode, isSessionKVError } from "@sessionkv/core";
import { redactText } from "@sessionkv/core/store-kit";

/**
 * What the CLI itself refuses or fails at; the store's and the registry's failures keep core's
 * `ErrorCode`s. Codes are the scripts' contract (README, "Errors and exit codes").
 */
export const CliErrorCode = {
  /** The backend package the URL names is not installed in the current project. */
  BACKEND_MISSING: "ERR_BACKEND_MISSING",
  /** The `--store` module cannot be loaded or does not default-export a store factory. */
  STORE_MODULE: "ERR_STORE_MODULE",
  /** A write under `--read-only`. */
  READ_ONLY: "ERR_READ_ONLY",
  /** A write without a terminal to confirm on, and without `--yes`. */
  CONFIRMATION_REQUIRED: "ERR_CONFIRMATION_REQUIRED",
  /** The operator answered no at the confirmation prompt. */
  DECLINED: "ERR_DECLINED",
  /** `close` of a session that has no record; `drain` of a node that has none (not running). */
  NOT_FOUND: "ERR_NOT_FOUND",
  /** `close --wait` or `drain --wait` outlived `--timeout`. */
  TIMEOUT: "ERR_TIMEOUT",
  /** A command this version cannot carry out (kept for scripts that test for it; no command fails with it now). */
  UNSUPPORTED: "ERR_UNSUPPORTED",
} as const;

export type CliErrorCode = (typeof CliErrorCode)[keyof typeof CliErrorCode];

export class CliError extends Error {
  override readonly name = "CliError";
  readonly code: CliErrorCode;

  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Exit statuses, one per kind of failure, so that a script can tell a typo from an outage. */
export const ExitCode = {
  OK: 0,
  /** The store or the operation failed: unreachable, refused credentials, not found, timeout. */
  FAILED: 1,
  /** Bad command line or URL (`ERR_INVALID_ARGUMENT`). */
  USAGE: 2,
  /** The project lacks what the command needs: a backend package, a loadable `--store` module. */
  ENVIRONMENT: 3,
  /** A write refused before anything was written: `--read-only`, no `--yes`, declined. */
  REFUSED: 4,
} as const;

const EXIT_BY_CODE: Readonly<Record<string, number>> = {
  [ErrorCode.INVALID_ARGUMENT]: ExitCode.USAGE,
  [CliErrorCode.BACKEND_MISSING]: ExitCode.ENVIRONMENT,
  [CliErrorCode.STORE_MODULE]: ExitCode.ENVIRONMENT,
  [CliErrorCode.READ_ONLY]: ExitCode.REFUSED,
  [CliErrorCode.CONFIRMATION_REQUIRED]: ExitCode.REFUSED,
  [CliErrorCode.DECLINED]: ExitCode.REFUSED,
};

export function exitCodeOf(error: unknown): number {
  const code = codeOf(error);
  return EXIT_BY_CODE[code] ?? ExitCode.FAILED;
}

/** A code for any failure: unknown ones (a bug, a store module's own error) are ERR_INTERNAL. */
function codeOf(error: unknown): string {
  if (error instanceof CliError || isSessionKVError(error)) return error.code;
  return "ERR_INTERNAL";
}

/**
 * The one line an operator sees: code and message, never a stack, never a secret. Stores redact
 * their own errors; this is the last guard for what the CLI adds (the URL it echoes, a store
 * module's error), so the URL's password is removed here whatever produced the text.
 */
export function errorLine(error: unknown, secrets: readonly string[]): string {
  const message = error instanceof Error ? error.message : String(error);
  return `sessionkv: ${codeOf(error)}: ${oneLine(message, secrets)}`;
}

export function oneLine(text: string, secrets: readonly string[]): string {
  return redactText(text, secrets)
    .replace(/\s*\n\s*/g, " ")
    .trim();
}
