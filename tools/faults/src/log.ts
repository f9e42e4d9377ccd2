// Everything the stores, registries, hosts and clients report during a run, searched for the
// secret the stores were given as it arrives. Lines are not kept in memory (they would count
// in the heap growth); --log appends them to a file.
import { appendFileSync } from "node:fs";
import { everythingSaidBy } from "@sessionkv/conformance/testing";
import type { SessionLogger } from "@sessionkv/core";

export class Log {
  readonly #secret: string | undefined;
  readonly #file: string | undefined;
  #lines = 0;
  #found = 0;

  constructor(secret: string | undefined, file?: string) {
    this.#secret = secret;
    this.#file = file;
  }

  add(line: string): void {
    this.#lines++;
    if (this.#secret !== undefined && line.includes(this.#secret)) this.#found++;
    if (this.#file !== undefined) appendFileSync(this.#file, `${line}\n`);
  }

  get lines(): number {
    return this.#lines;
  }

  /** Lines that contained the secret; undefined when the stores were given none. */
  get secretsFound(): number | undefined {
    return this.#secret === undefined ? undefined : this.#found;
  }
}

// Errors in full (stack, fields, causes), as the packages' own secret-leak tests read them.
const text = (value: unknown) => (typeof value === "string" ? value : everythingSaidBy(value));

export function logError(log: Log, context: string, error: unknown): void {
  log.add(`${context}: ${text(error)}`);
}

export function sessionLogger(log: Log): SessionLogger {
  const add = (message: string, details?: unknown) =>
    log.add(details === undefined ? message : `${message} ${text(details)}`);
  return { warn: add, error: add };
}

/** Routes console.warn/error (what a client library prints by itself) into the log until restored. */
export function captureConsole(log: Log): () => void {
  const { warn, error } = console;
  console.warn = (...args: unknown[]) => log.add(args.map(text).join(" "));
  console.error = console.warn;
  return () => {
    console.warn = warn;
    console.error = error;
  };
}
