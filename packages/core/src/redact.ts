/**
 * Connection settings carry passwords and secret keys; driver errors sometimes echo them (a URL
 * in a message, an options object in a stack). Every error a store surfaces passes through
 * here, so neither the message nor any `cause` in the chain can leak a secret.
 */
const MASK = "***";

export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    out = out.split(secret).join(MASK);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join(MASK);
  }
  // user:password@ in any URL, even when the password was not declared as a secret.
  return out.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@\s/]*@/gi, `$1:${MASK}@`);
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
