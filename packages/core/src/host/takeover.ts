import type { SessionLogger } from "../registry/logger.js";
import type { HostEvents } from "./host-events.js";
import type { LocalSession } from "./hosted-session.js";

/**
 * Sessions whose record another node holds now (one owner per session id): this node no longer
 * writes, refreshes or deletes them, and never fights for them; the local session keeps running
 * until its application removes it.
 */
export class TakenOverSessions {
  readonly #nodeId: string;
  readonly #logger: SessionLogger;
  readonly #events: HostEvents;
  readonly #sessions = new WeakSet<LocalSession>();

  constructor(nodeId: string, logger: SessionLogger, events: HostEvents) {
    this.#nodeId = nodeId;
    this.#logger = logger;
    this.#events = events;
  }

  has(local: LocalSession): boolean {
    return this.#sessions.has(local);
  }

  /** Whether a record read back is still this registration's: this node's, with its start time. */
  isOwn(local: LocalSession, record: Readonly<Record<string, unknown>>): boolean {
    return record.node_id === this.#nodeId && record.started_at === local.startedAt / 1000;
  }

  /** Another node registered the id over this one: reported once; true the first time. */
  report(local: LocalSession, ownerNodeId: string): boolean {
    if (this.#sessions.has(local)) return false;
    this.#sessions.add(local);
    this.#logger.warn(
      `sessionkv: the record of session ${JSON.stringify(`${local.callId}/${local.sessionId}`)} is held by node ${JSON.stringify(ownerNodeId)} now; this node stops writing it and leaves it alone (the local session keeps running until removed)`,
      { callId: local.callId, sessionId: local.sessionId, ownerNodeId },
    );
    this.#events.emit("session-taken-over", {
      callId: local.callId,
      sessionId: local.sessionId,
      ownerNodeId,
    });
    return true;
  }
}
