// What one observer poll says about the fleet: who is missing, and which removed session was
// seen again after the observer had already seen it gone (a resurrection).
import type { Fleet, Poll } from "./fleet.ts";

/** What the observer knows of the fleet: live sessions (since when) and removed ones (removed when). */
export type Expected = Pick<Fleet, "live" | "removed">;

export class Visibility {
  /** Removed sessions the observer has seen absent since their remove() resolved. */
  readonly #gone = new Set<string>();
  readonly #resurrected = new Set<string>();

  get resurrections(): number {
    return this.#resurrected.size;
  }

  /** Live sessions (added before the poll started) that the poll did not see; undefined for a failed poll. */
  missing(fleet: Expected, poll: Poll): string[] | undefined {
    const { seen } = poll;
    if (seen === undefined) return undefined;
    for (const [sessionId, removedAt] of fleet.removed) {
      if (removedAt === undefined || removedAt >= poll.startedAt) continue;
      if (!seen.has(sessionId)) this.#gone.add(sessionId);
      else if (this.#gone.has(sessionId)) this.#resurrected.add(sessionId);
    }
    const missing: string[] = [];
    for (const [sessionId, { since }] of fleet.live) {
      if (since < poll.startedAt && !seen.has(sessionId)) missing.push(sessionId);
    }
    return missing;
  }

  /** Every live session seen, and no session whose removal had resolved before the poll. */
  complete(fleet: Expected, poll: Poll): boolean {
    const missing = this.missing(fleet, poll);
    if (missing === undefined || missing.length > 0) return false;
    for (const [sessionId, removedAt] of fleet.removed) {
      if (removedAt !== undefined && removedAt < poll.startedAt && poll.seen!.has(sessionId)) return false;
    }
    return true;
  }
}
