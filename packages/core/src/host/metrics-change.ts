import type { SessionLogger } from "../registry/logger.js";
import type { SessionMetrics } from "../registry/session-info.js";
import { validateMetrics } from "../registry/validate.js";
import type { HostedSession } from "./hosted-session.js";

/**
 * The session's metrics if a cycle should write them: undefined when it has none, when they
 * failed (a throw or an invalid value, logged; the last ones stay) or when they equal `published`,
 * what was last written.
 */
export function readChangedMetrics(
  sessionId: string,
  handlers: HostedSession,
  published: SessionMetrics | undefined,
  logger: SessionLogger,
): SessionMetrics | undefined {
  const read = handlers.metrics;
  if (read === undefined) return undefined;
  try {
    const metrics = read.call(handlers);
    // Equal to what was last written, which was validated: valid too, and one pass over the
    // names instead of two (most sessions of most cycles).
    if (published !== undefined && isObject(metrics) && sameMetrics(metrics, published)) return undefined;
    validateMetrics(metrics, `metrics() of session ${JSON.stringify(sessionId)}`);
    return metrics;
  } catch (error) {
    logger.warn(
      `sessionkv: metrics() of session ${JSON.stringify(sessionId)} failed; keeping the last ones`,
      error,
    );
    return undefined;
  }
}

/**
 * Whether `current` holds the same names and values as the metrics last written: what decides that
 * a cycle writes nothing for the session. NaN equals NaN (both are null on the wire); the order
 * of the names does not count, and neither do inherited ones.
 */
export function sameMetrics(current: SessionMetrics, published: SessionMetrics | undefined): boolean {
  if (published === undefined) return false;
  let names = 0;
  for (const name in current) {
    if (!Object.hasOwn(current, name)) continue;
    names++;
    if (!Object.hasOwn(published, name)) return false;
    const value = current[name];
    const before = published[name];
    if (value !== before && !(Number.isNaN(value) && Number.isNaN(before))) return false;
  }
  for (const name in published) if (Object.hasOwn(published, name)) names--;
  return names === 0;
}

function isObject(value: unknown): value is SessionMetrics {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
