// Everything the stores, registries, hosts and clients report during a run, kept as text so
// that it can be searched for the secret the stores were given.
import { everythingSaidBy } from "../../conformance/src/testing/said.js";
import type { SessionLogger } from "../../packages/core/dist/index.js";

export interface Log {
  readonly lines: string[];
}

export const createLog = (): Log => ({ lines: [] });

// Errors in full (stack, fields, causes), as the packages' own secret-leak tests read them.
const text = (value: unknown) => (typeof value === "string" ? value : everythingSaidBy(value));

export function logError(log: Log, context: string, error: unknown): void {
  log.lines.push(`${context}: ${text(error)}`);
}

export function sessionLogger(log: Log): SessionLogger {
  const add = (message: string, details?: unknown) =>
    log.lines.push(details === undefined ? message : `${message} ${text(details)}`);
  return { warn: add, error: add };
}

/** Routes console.warn/error (what a client library prints by itself) into the log until restored. */
export function captureConsole(log: Log): () => void {
  const { warn, error } = console;
  console.warn = (...args: unknown[]) => log.lines.push(args.map(text).join(" "));
  console.error = console.warn;
  return () => {
    console.warn = warn;
    console.error = error;
  };
}

/** Lines that contain the secret; undefined when the stores were given none. */
export function secretsIn(log: Log, secret: string | undefined): number | undefined {
  return secret === undefined ? undefined : log.lines.filter((line) => line.includes(secret)).length;
}
