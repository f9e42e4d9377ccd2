import type { NodeRecordContent } from "../registry/node-record.js";

/**
 * Decides when a host rewrites its node record. The cycle refreshes the record's TTL with the
 * session records' `expire` every time, and rewrites it (in the cycle's `mset`) only when its content
 * changed or it went missing: a node that hosts nothing still costs no extra round trip.
 */
export class NodeRecordWriter {
  readonly #labels: Readonly<Record<string, string>>;
  #written: NodeRecordContent | undefined;

  constructor(labels: Readonly<Record<string, string>>) {
    this.#labels = labels;
  }

  /** The record's content for this run of the node now. */
  content(startedAt: number, sessions: number, draining: boolean): NodeRecordContent {
    return { startedAt, sessions, draining, labels: this.#labels };
  }

  /** The content to write in this cycle, or undefined when the stored record is current and present. */
  due(current: NodeRecordContent, found: boolean): NodeRecordContent | undefined {
    const last = this.#written;
    if (
      found &&
      last !== undefined &&
      last.sessions === current.sessions &&
      last.draining === current.draining &&
      last.startedAt === current.startedAt
    )
      return undefined;
    return current;
  }

  /** The store took `content`. */
  written(content: NodeRecordContent): void {
    this.#written = content;
  }
}
