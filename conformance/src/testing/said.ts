import { inspect } from "node:util";

/**
 * Everything an error says, as one text for secret-leak checks: message, stack, string form and
 * own fields (strings as they are, objects as JSON) of the error and of each error in its cause
 * chain, plus Node's full inspection (hidden fields included) for whatever JSON cannot show.
 */
export function everythingSaidBy(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 20; depth++) {
    if (current instanceof Error) {
      parts.push(current.message, current.stack ?? "", String(current));
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
  return parts.join("\n");
}

/**
 * The secrets `error` reveals anywhere (see `everythingSaidBy`), as written or percent-encoded
 * (the form they take inside a connection URL). An empty list means no leak.
 */
export function leakedSecrets(error: unknown, secrets: readonly string[]): string[] {
  const said = everythingSaidBy(error);
  const leaked: string[] = [];
  for (const secret of secrets) {
    for (const spelling of new Set([secret, encodeURIComponent(secret)])) {
      if (said.includes(spelling)) leaked.push(spelling);
    }
  }
  return leaked;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return String(value);
  }
}
