import type { SessionLogger } from "../registry/logger.js";

export interface RecordingLogger extends SessionLogger {
  readonly warnings: string[];
  readonly errors: string[];
}

export function recordingLogger(): RecordingLogger {
  const warnings: string[] = [];
  const errors: string[] = [];
  return {
    warnings,
    errors,
    warn: (message) => void warnings.push(message),
    error: (message, details) =>
      void errors.push(`${message}${details instanceof Error ? `: ${details.message}` : ""}`),
  };
}
