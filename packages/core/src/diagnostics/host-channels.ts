import { channel, tracingChannel } from "node:diagnostics_channel";
import type { ErrorCode } from "../errors.js";
import { DIAGNOSTICS_CHANNELS } from "./names.js";

/**
 * The context of `sessionkv:host:cycle`, filled in as the cycle goes: a subscriber reads the
 * counts on asyncEnd (or error). Counts only: no call or session id.
 */
export interface HostCycleContext {
  /** The registry's node id: the one id in a channel, the node's, never a call's or a session's. */
  readonly nodeId: string;
  /** Sessions hosted and registered when the cycle began (those it heartbeats). */
  sessions: number;
  /** Sessions whose record the refresh found and extended. */
  refreshed: number;
  /** Records found missing or unreadable and written again. */
  healed: number;
  /** Sessions whose close this cycle started, on a close request. */
  closed: number;
  /** The cycle threw (a store step failed or outlasted the host's `operationTimeoutMs`). */
  failed: boolean;
  /** Wall time of the cycle, set when it ends. */
  durationMs: number;
  /** On failure: the error's `SessionKVError` code, when it has one. */
  errorCode?: ErrorCode;
  /** On failure: the error (set by the TracingChannel). */
  error?: unknown;
}

/** The message of `sessionkv:close:requested`. */
export interface CloseRequestedMessage {
  /** The node asking. */
  readonly nodeId: string;
  /** True when the session is hosted by the asking host itself (closed at once, no flag). */
  readonly local: boolean;
}

/** The message of `sessionkv:close:honoured`. */
export interface CloseHonouredMessage {
  /** The node that hosted the session and closed it. */
  readonly nodeId: string;
  /** True when the request came from this host itself. */
  readonly local: boolean;
  /**
   * From the request to the session closed and removed, in ms. Across nodes it is measured on
   * two wall clocks (the flag's `requested_at`); undefined for flags that do not say when they
   * were written (the Python original's).
   */
  readonly latencyMs: number | undefined;
}

export const hostCycleChannel = tracingChannel<HostCycleContext, HostCycleContext>(
  DIAGNOSTICS_CHANNELS.hostCycle,
);
export const closeRequestedChannel = channel(DIAGNOSTICS_CHANNELS.closeRequested);
export const closeHonouredChannel = channel(DIAGNOSTICS_CHANNELS.closeHonoured);

/** Runs one cycle inside the channel's events; `run` fills in the counts. Only called with subscribers. */
export async function traceHostCycle(
  nodeId: string,
  run: (context: HostCycleContext) => Promise<void>,
): Promise<void> {
  const context: HostCycleContext = {
    nodeId,
    sessions: 0,
    refreshed: 0,
    healed: 0,
    closed: 0,
    failed: false,
    durationMs: 0,
  };
  const began = performance.now();
  await hostCycleChannel.tracePromise(async () => {
    try {
      await run(context);
    } catch (error) {
      context.failed = true;
      context.errorCode = (error as { code?: ErrorCode }).code;
      throw error;
    } finally {
      context.durationMs = performance.now() - began;
    }
  }, context);
}
