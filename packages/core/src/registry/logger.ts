/**
 * Where the registry and the host report what they skip or survive (an unreadable record, a
 * failed maintenance cycle, a close callback that threw). `console` fits, and so does any
 * logger with `warn`/`error` methods taking a message first.
 */
export interface SessionLogger {
  warn(message: string, details?: unknown): void;
  error(message: string, details?: unknown): void;
}

/** Default: report on the console. A failing heartbeat that nobody sees ends in sessions vanishing with no trace. */
export const consoleLogger: SessionLogger = {
  warn: (message, details) =>
    details === undefined ? console.warn(message) : console.warn(message, details),
  error: (message, details) =>
    details === undefined ? console.error(message) : console.error(message, details),
};

/** Discards every report. */
export const silentLogger: SessionLogger = {
  warn: () => undefined,
  error: () => undefined,
};
