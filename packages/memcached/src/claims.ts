import { ErrorCode, SessionKVError } from "@sessionkv/core";
import { deadlineFor, deadlineNow, equalBytes, sleep } from "@sessionkv/core/store-kit";
import type { EncodedKey } from "./encoded-keys.js";
import { encodeEnvelope, liveValueOf, storedDeadline } from "./envelope.js";
import { exptimeFor } from "./exptime.js";
import type { ListingIndex } from "./listing-index.js";
import { type Command, MemcachedStatusError, Opcode, type Reply, Status, storageExtras } from "./protocol.js";
import type { Transport } from "./transport.js";

/** Rounds before a key that keeps changing under a claim or a release is reported as contended. */
const CLAIM_ROUNDS = 50;

/**
 * Claims (README, "Claims"), with Memcached's own conditional writes only: `add` stores only
 * where the server holds no item, and a write or delete carrying the CAS of an earlier read
 * applies only if nobody wrote the item since. Items outlive their exact deadline by whole
 * seconds (exptime.ts), so an `add` refused for an item whose deadline has passed is followed
 * by a write under the CAS of the item read with it: the expired item counts as absent, and of
 * two claimers of it the second one's CAS no longer matches.
 */
export class Claims {
  readonly #transport: Transport;
  readonly #index: ListingIndex;

  constructor(transport: Transport, index: ListingIndex) {
    this.#transport = transport;
    this.#index = index;
  }

  async setIfAbsent(target: EncodedKey, value: Uint8Array, ttlMs: number): Promise<boolean> {
    const read: Command = { key: target.dataKey, opcode: Opcode.GETKQ };
    for (let round = 0; round < CLAIM_ROUNDS; round++) {
      if (round > 0) await sleep(Math.random() * Math.min(round, 10));
      const now = deadlineNow();
      const expiresAtMs = deadlineFor(ttlMs, now);
      const item = {
        key: target.dataKey,
        extras: storageExtras(exptimeFor(expiresAtMs, now)),
        value: encodeEnvelope(target.head, value, expiresAtMs),
      };
      // The read rides behind the add, on the same server's connection, so a refused add's
      // item (live, or expired within its last seconds) comes back with its CAS in the same
      // round trip; after a successful add it reads the claim itself and is ignored.
      const [added, stored] = await this.#writeIndexed(
        [{ ...item, opcode: Opcode.ADDQ }, read],
        target.key,
        false,
      );
      if (added === undefined) return true;
      if (added.status !== Status.KEY_EXISTS && added.status !== Status.NOT_STORED)
        throw new MemcachedStatusError(added.status, "add");
      if (stored === undefined) continue; // gone since the add: add again
      if (stored.status !== Status.OK) throw new MemcachedStatusError(stored.status, "get");
      const deadline = storedDeadline(stored.value, target.keyBytes);
      if (deadline !== null && deadline > deadlineNow()) return false;
      // Over a record that had been written before: its scope is entered in the directory
      // again, as a refresh does (listing-index.ts), in case that entry was lost meanwhile.
      const [replaced] = await this.#writeIndexed(
        [{ ...item, opcode: Opcode.SETQ, cas: stored.cas }],
        target.key,
        true,
      );
      if (replaced === undefined) return true;
      // KEY_EXISTS: written since the read (maybe by another claimer); KEY_NOT_FOUND: gone.
      if (replaced.status !== Status.KEY_EXISTS && replaced.status !== Status.KEY_NOT_FOUND)
        throw new MemcachedStatusError(replaced.status, "set with CAS");
    }
    throw contended("setIfAbsent");
  }

  async deleteIfEquals(target: EncodedKey, value: Uint8Array): Promise<boolean> {
    for (let round = 0; round < CLAIM_ROUNDS; round++) {
      if (round > 0) await sleep(Math.random() * Math.min(round, 10));
      const [stored] = await this.#transport.send([{ key: target.dataKey, opcode: Opcode.GETKQ }]);
      if (stored === undefined) return false;
      if (stored.status !== Status.OK) throw new MemcachedStatusError(stored.status, "get");
      const live = liveValueOf(stored.value, target.keyBytes, deadlineNow());
      if (live === null || !equalBytes(live, value)) return false;
      const [deleted] = await this.#transport.send([
        { key: target.dataKey, opcode: Opcode.DELETEQ, cas: stored.cas },
      ]);
      if (deleted === undefined) return true;
      if (deleted.status === Status.KEY_NOT_FOUND) return false;
      // KEY_EXISTS: written since the read (a refresh, a new claim): read again.
      if (deleted.status !== Status.KEY_EXISTS)
        throw new MemcachedStatusError(deleted.status, "delete with CAS");
    }
    throw contended("deleteIfEquals");
  }

  /**
   * `commands` (a data write first), then the key's listing entry (data first, as every write:
   * key-index.ts). One server answers in order, so both ride in one pipeline, one round trip; a
   * pool sends the entry once the data is confirmed. Resolves with the replies to `commands`
   * (`undefined` for the write: stored); a stored key left unindexed rejects, as `set` does.
   */
  async #writeIndexed(
    commands: readonly Command[],
    key: string,
    reenter: boolean,
  ): Promise<(Reply | undefined)[]> {
    if (this.#transport.serverCount === 1) {
      const plan = this.#index.plan([key], reenter);
      const replies = await this.#transport.send([...commands, ...plan.commands]);
      const indexed = await this.#index.finish(plan, replies.slice(commands.length));
      if (replies[0] === undefined && !indexed) throw unindexed();
      return replies.slice(0, commands.length);
    }
    const replies = await this.#transport.send(commands);
    if (replies[0] === undefined && !(await this.#index.record([key], reenter))) throw unindexed();
    return replies;
  }
}

function unindexed(): Error {
  return new Error("the keys() index could not be updated: a server is down");
}

function contended(operation: string): SessionKVError {
  return new SessionKVError(
    ErrorCode.STORE_UNAVAILABLE,
    `${operation}: the key kept changing during ${CLAIM_ROUNDS} CAS rounds`,
  );
}
