import type { SessionLogger } from "../registry/logger.js";
import type { DrainRequest } from "../registry/node-record.js";

/** What a drain needs of its host. */
export interface DrainHost {
  readonly nodeId: string;
  readonly logger: SessionLogger;
  /** Whether the host holds no session any more. */
  noneLeft(): boolean;
  /** Closes the sessions left with reason "drain" (unless the host stopped), and waits for every close under way. */
  closeRest(): Promise<void>;
}

/**
 * A host's drain: once begun it never ends (a drained node is stopped, not resumed). It refuses
 * new sessions, shows `draining: true` in the node record, and waits for the running sessions to
 * end on their own until a caller's grace period runs out. See "Drain" in the README.
 */
export class HostDrain {
  readonly #host: DrainHost;
  #draining = false;
  /** The `requestedAt` of the last remote request honoured: each cycle reads its flag again. */
  #lastRequest: unknown;
  #requestHonoured = false;
  /** Wakes every grace wait to look at the sessions again (one ended, or the host stopped). */
  readonly #wakers = new Set<() => void>();
  #stopped = false;

  constructor(host: DrainHost) {
    this.#host = host;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Begins the drain; true the first time. */
  begin(): boolean {
    if (this.#draining) return false;
    this.#draining = true;
    return true;
  }

  /**
   * A drain flag for this run of the node, read by a cycle: the drain begins at once, so that the
   * same cycle writes `draining: true`, and its grace period (if any) runs beside the cycles.
   */
  requested(request: DrainRequest): void {
    if (!this.#honourRequest(request.requestedAt)) return;
    if (this.begin()) {
      this.#host.logger.warn(`sessionkv: node ${JSON.stringify(this.#host.nodeId)} drains, as requested`);
    }
    if (request.graceMs === undefined) return;
    this.closeAfterGrace(request.graceMs).catch((error: unknown) => {
      this.#host.logger.error(
        "sessionkv: closing the sessions of a drained node failed; they expire on their TTL",
        error,
      );
    });
  }

  /** Waits for the sessions to end until `graceMs` runs out, then closes the rest ("drain"). */
  async closeAfterGrace(graceMs: number): Promise<void> {
    if (!(await this.#graceRunsOut(graceMs, () => this.#host.noneLeft()))) return;
    await this.#host.closeRest();
  }

  /** True once per drain request read from the store (a later request replaces the flag). */
  #honourRequest(requestedAt: unknown): boolean {
    if (this.#requestHonoured && Object.is(this.#lastRequest, requestedAt)) return false;
    this.#requestHonoured = true;
    this.#lastRequest = requestedAt;
    return true;
  }

  /**
   * Resolves once `noneLeft()` holds, the host stopped, or `graceMs` elapsed; true in the last case
   * only, when the caller closes what is left. The timer is not unref'd: a process awaiting its
   * drain stays alive until the grace period ends.
   */
  async #graceRunsOut(graceMs: number, noneLeft: () => boolean): Promise<boolean> {
    const deadline = Date.now() + graceMs;
    while (!this.#stopped && !noneLeft()) {
      const left = deadline - Date.now();
      if (left <= 0) return true;
      let wake!: () => void;
      const woken = new Promise<void>((resolve) => {
        wake = resolve;
      });
      this.#wakers.add(wake);
      const timer = setTimeout(wake, left);
      await woken;
      clearTimeout(timer);
      this.#wakers.delete(wake);
    }
    return false;
  }

  /** A session left the host: grace waits look again whether any is left. */
  sessionEnded(): void {
    for (const wake of this.#wakers) wake();
  }

  /** The host stops: grace waits end now, and stop() closes what is left ("host-stopped"). */
  stop(): void {
    this.#stopped = true;
    for (const wake of this.#wakers) wake();
  }
}
