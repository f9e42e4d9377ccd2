import type { Subscription } from "../notifications/contract.js";
import { decodeDoorbell, nodeChannel } from "../registry/doorbell.js";
import type { SessionLogger } from "../registry/logger.js";
import type { SessionRegistry } from "../registry/session-registry.js";
import type { LocalSession } from "./hosted-session.js";

/** What push close needs of its host. */
export interface PushCloseHost {
  readonly registry: SessionRegistry;
  readonly logger: SessionLogger;
  /** The local session the host holds under this id, if any. */
  session(sessionId: string): LocalSession | undefined;
  /** Whether the host runs: a read that returns after it stopped closes nothing. */
  running(): boolean;
  /** `HostProtocol.readCloseRequests`, bounded as a cycle step is. */
  readCloseRequests(sessions: ReadonlyMap<string, string>): Promise<readonly string[]>;
  /** Closes these sessions with reason "close-requested", as the poll path does. */
  close(sessions: readonly LocalSession[]): Promise<void>;
  /** A full maintenance cycle, after which no flag set while unsubscribed is left unseen. */
  runCycle(): void;
}

/**
 * The host's doorbell listener (core README, "Push close"): polling stays as it is and remains
 * the truth; a doorbell only makes the owner read one session's flag now. Doorbells that arrive
 * while a read is in flight are gathered into the next read, so a flood costs one read per
 * session per round, not one per message.
 */
export class PushClose {
  readonly #host: PushCloseHost;
  /** Sessions rung since the last read began (sessionId → callId). */
  #pending = new Map<string, string>();
  #reading: Promise<void> | undefined;
  #subscription: Subscription | undefined;
  #subscribing: Promise<void> | undefined;
  #stopped = false;

  constructor(host: PushCloseHost) {
    this.#host = host;
  }

  /** Whether the registry's store can push at all. */
  static available(registry: SessionRegistry): boolean {
    return registry.store.notifications !== undefined && nodeChannel(registry.nodeId) !== undefined;
  }

  get subscribed(): boolean {
    return this.#subscription?.active === true;
  }

  /** Subscribes unless subscribed (or trying); a failure is logged and retried by the next `ensure`. */
  ensure(): Promise<void> {
    if (this.#stopped || this.subscribed) return Promise.resolve();
    this.#subscribing ??= this.#subscribe().finally(() => {
      this.#subscribing = undefined;
    });
    return this.#subscribing;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#subscribing;
    await this.#subscription?.close();
    this.#pending.clear();
    await this.#reading;
  }

  async #subscribe(): Promise<void> {
    const { registry, logger } = this.#host;
    const notifications = registry.store.notifications;
    const channel = nodeChannel(registry.nodeId);
    if (notifications === undefined || channel === undefined) return;
    try {
      const subscription = await notifications.subscribe(
        channel,
        (payload) => this.#ring(payload),
        () => this.#reset(),
      );
      if (this.#stopped) {
        await subscription.close();
        return;
      }
      this.#subscription = subscription;
    } catch (error) {
      logger.warn(
        "sessionkv: could not subscribe to this node's doorbell; close requests arrive by polling until the next cycle retries",
        error,
      );
      return;
    }
    // Flags set before the subscription held were rung to nobody: a full cycle finds them.
    this.#host.runCycle();
  }

  #reset(): void {
    if (this.#stopped) return;
    this.#host.runCycle();
  }

  #ring(payload: Uint8Array): void {
    if (this.#stopped) return;
    const decoded = decodeDoorbell(payload);
    if ("reason" in decoded) {
      this.#host.logger.warn(
        `sessionkv: ignored a message on this node's doorbell channel: it ${decoded.reason}`,
        { bytes: payload.byteLength },
      );
      return;
    }
    const { doorbell } = decoded;
    // The cycle reads the drain flag and decides with the poll path's own checks.
    if (doorbell.type === "drain") {
      this.#host.runCycle();
      return;
    }
    const { callId, sessionId } = doorbell;
    if (this.#closable(sessionId) !== callId) return;
    this.#pending.set(sessionId, callId);
    this.#reading ??= this.#drain();
  }

  async #drain(): Promise<void> {
    // One macrotask of slack: doorbells that arrive together share the read.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.#pending.size > 0 && !this.#stopped) {
      const batch = this.#pending;
      this.#pending = new Map();
      try {
        await this.#closeRequested(batch);
      } catch (error) {
        this.#host.logger.warn(
          "sessionkv: reading the close flags a doorbell named failed; the next cycle reads them",
          error,
        );
      }
    }
    this.#reading = undefined;
  }

  /** The callId of a local session ready to be closed (registered, not closing), else undefined. */
  #closable(sessionId: string): string | undefined {
    const local = this.#host.session(sessionId);
    return local?.ready && local.closing === undefined ? local.callId : undefined;
  }

  /**
   * A doorbell's read: the flags of the rung sessions, decided as the poll decides (the flag must
   * target the record as it is now), then closed as a poll would close them.
   */
  async #closeRequested(rung: ReadonlyMap<string, string>): Promise<void> {
    const host = this.#host;
    if (!host.running()) return;
    const asked = new Map<string, LocalSession>();
    for (const [sessionId, callId] of rung) {
      const local = host.session(sessionId);
      if (local !== undefined && local.callId === callId) asked.set(sessionId, local);
    }
    if (asked.size === 0) return;
    const requested = await host.readCloseRequests(rung);
    if (!host.running()) return;
    const toClose = requested
      .map((id) => asked.get(id))
      .filter(
        (s): s is LocalSession =>
          s !== undefined && host.session(s.sessionId) === s && s.ready && s.closing === undefined,
      );
    if (toClose.length === 0) return;
    host.close(toClose).catch((error: unknown) => {
      host.logger.error(
        "sessionkv: removing closed sessions failed; the next cycles retry it after an outage, else their records expire on the TTL",
        error,
      );
    });
  }
}
