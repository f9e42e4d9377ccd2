import { inspect } from "node:util";
import { SessionHost, type SessionKVStore, SessionRegistry, silentLogger } from "@sessionkv/core";
import { REDACT_ANYWHERE_MIN_LENGTH } from "@sessionkv/core/store-kit";

/**
 * Everything an error (or any object: a store, a registry, a host) says, as one text for
 * secret-leak checks, by every road a logger takes: message, stack, string form, `JSON.stringify`
 * and own fields (strings as they are, objects as JSON) of the error and of each error in its
 * cause chain; Node's full inspection (hidden fields included) for whatever JSON cannot show; and
 * the inspection of its `structuredClone` (or the clone's error, which quotes what it refused).
 */
export function everythingSaidBy(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 20; depth++) {
    if (current instanceof Error) {
      parts.push(current.message, current.stack ?? "", String(current), safeJson(current));
      for (const key of Object.getOwnPropertyNames(current)) {
        const value = (current as unknown as Record<string, unknown>)[key];
        if (typeof value === "string") parts.push(value);
        else if (value !== null && typeof value === "object" && key !== "cause") parts.push(safeJson(value));
      }
      current = current.cause;
    } else {
      parts.push(typeof current === "string" ? current : safeJson(current));
      break;
    }
  }
  parts.push(inspect(error, { depth: 20, showHidden: true }));
  parts.push(cloned(error));
  return parts.join("\n");
}

function cloned(value: unknown): string {
  try {
    return inspect(structuredClone(value), { depth: 20, showHidden: true });
  } catch (error) {
    return String(error);
  }
}

/**
 * The secrets `error` reveals anywhere (see `everythingSaidBy`), as written or percent-encoded
 * (the form they take inside a connection URL). An empty list means no leak. A secret shorter
 * than `REDACT_ANYWHERE_MIN_LENGTH` counts where it stands as a whole token (not run into a
 * letter or digit): "y" inside "DynamoDB" is a word, not the secret (core README, "Secrets").
 */
export function leakedSecrets(error: unknown, secrets: readonly string[]): string[] {
  const said = everythingSaidBy(error);
  const leaked: string[] = [];
  for (const secret of secrets) {
    for (const spelling of new Set([secret, encodeURIComponent(secret)])) {
      const shown =
        spelling.length >= REDACT_ANYWHERE_MIN_LENGTH ? said.includes(spelling) : standsAlone(said, spelling);
      if (shown) leaked.push(spelling);
    }
  }
  return leaked;
}

const WORD = /[\p{L}\p{N}]/u;

/** Whether `secret` occurs in `text` with no letter or digit running into a letter or digit of its ends. */
function standsAlone(text: string, secret: string): boolean {
  if (secret.length === 0) return false;
  const bounded = (neighbour: string | undefined, end: string | undefined) =>
    neighbour === undefined || end === undefined || !WORD.test(end) || !WORD.test(neighbour);
  for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + 1)) {
    const before = at === 0 ? undefined : text[at - 1];
    const after = text[at + secret.length];
    if (bounded(before, secret[0]) && bounded(after, secret.at(-1))) return true;
  }
  return false;
}

/**
 * The secrets `store` reveals (see `leakedSecrets`), and a registry and a host built on it: the
 * three objects an application holds and may hand to a logger. Empty lists mean no leak.
 */
export function leakedSecretsAround(
  store: SessionKVStore,
  secrets: readonly string[],
): { store: string[]; registry: string[]; host: string[] } {
  const registry = new SessionRegistry({ store, logger: silentLogger });
  const host = new SessionHost({ registry, logger: silentLogger });
  return {
    store: leakedSecrets(store, secrets),
    registry: leakedSecrets(registry, secrets),
    host: leakedSecrets(host, secrets),
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return String(value);
  }
}
