/**
 * Connection settings carry passwords and secret keys; driver errors sometimes echo them (a URL
 * in a message, an options object in a stack). Every error a store surfaces passes through
 * here, so neither the message nor any `cause` in the chain can leak a secret.
 */
const MASK = "***";

/**
 * Secrets this long are masked wherever they occur, inside a longer word too: no message text
 * contains 8 characters of a credential by chance. A shorter secret ("y") occurs by chance in
 * ordinary words ("DynamoDB"), so it is masked only where it stands as a whole token, not run
 * into letters or digits on either side (core README, "Secrets").
 */
export const REDACT_ANYWHERE_MIN_LENGTH = 8;

const WORD_CHARACTER = /[\p{L}\p{N}]/u;

export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    const encoded = encodeURIComponent(secret);
    for (const spelling of encoded === secret ? [secret] : [secret, encoded]) {
      out =
        spelling.length >= REDACT_ANYWHERE_MIN_LENGTH
          ? out.split(spelling).join(MASK)
          : out.replace(wholeToken(spelling), MASK);
    }
  }
  // user:password@ in any URL, even when the password was not declared as a secret.
  return out.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@\s/]*@/gi, `$1:${MASK}@`);
}

/**
 * `secret` where it is not run into a letter or digit. An end of the secret that is itself
 * punctuation ("%x") bounds the token on its own.
 */
function wholeToken(secret: string): RegExp {
  const escaped = secret.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
  const chars = [...secret];
  const before = WORD_CHARACTER.test(chars[0] ?? "") ? "(?<![\\p{L}\\p{N}])" : "";
  const after = WORD_CHARACTER.test(chars.at(-1) ?? "") ? "(?![\\p{L}\\p{N}])" : "";
  return new RegExp(`${before}${escaped}${after}`, "gu");
}

/** A copy of `error` (and its cause chain) with secrets removed; keeps name, code and message. */
export function redactError(error: unknown, secrets: readonly string[], depth = 0): unknown {
  if (!(error instanceof Error)) {
    return typeof error === "string" ? redactText(error, secrets) : error;
  }
  const copy = new Error(redactText(error.message, secrets));
  copy.name = error.name;
  copy.stack = error.stack === undefined ? undefined : redactText(error.stack, secrets);
  for (const field of ["code", "errno", "syscall", "statusCode", "$metadata"] as const) {
    const value = (error as unknown as Record<string, unknown>)[field];
    if (value !== undefined) (copy as unknown as Record<string, unknown>)[field] = value;
  }
  if (error.cause !== undefined && depth < 8) {
    (copy as { cause?: unknown }).cause = redactError(error.cause, secrets, depth + 1);
  }
  return copy;
}
