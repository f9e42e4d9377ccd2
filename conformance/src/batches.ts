import { ErrorCode, type MsetEntry, type SessionKVStore, isSessionKVError } from "@sessionkv/core";
import { chunk } from "@sessionkv/core/store-kit";
import type { Checkpoints } from "./checkpoints.js";
import { ms } from "./stamps.js";

/**
 * The most keys one server call carries in any backend of this repository (Redis: 1,000 keys per
 * MGET or DEL; etcd: 128 operations per transaction; DynamoDB: 25 writes, 100 reads). A case that
 * proves a batch "above any server limit" sends one more than this, so every backend splits it.
 */
const LARGEST_SERVER_BATCH = 1_000;

/** Batch size that proves an operation across server calls on every backend. */
export const ABOVE_EVERY_SERVER_BATCH = LARGEST_SERVER_BATCH + 1;

/**
 * Entries per set-up write. The data a case needs before the step it tests must not depend on the
 * server's throughput: 100 entries are four DynamoDB batch writes, which any healthy server answers
 * well within any store's operation timeout, where 2,050 at once did not (DynamoDB Local at load 7,
 * behind a 5 s timeout).
 */
export const SET_UP_CHUNK = 100;

/** Attempts per set-up chunk, and for a tested batch, before the server is judged too slow. */
const ATTEMPTS = 2;

/**
 * Below this, a rejection is not a timeout running out: no store's operation timeout is this short,
 * so a quicker "unavailable" is the store's own doing and fails the case.
 */
const SHORTEST_TIMEOUT_MS = 1_000;

/** `items` in set-up-sized pieces, for the calls that stand in for a large batch. */
export const inChunks = <T>(items: readonly T[]): T[][] => chunk(items, SET_UP_CHUNK);

const unavailable = (error: unknown) => isSessionKVError(error) && error.code === ErrorCode.STORE_UNAVAILABLE;

/**
 * Writes a case's set-up data in chunks of {@link SET_UP_CHUNK}, one after another; a chunk the
 * store reports unavailable (the server did not answer in time) is written again (an upsert, so
 * safe). When a chunk fails every attempt, the checkpoint is skipped with the reason and false
 * returned: the case then proves nothing, and says so, instead of failing for a slow server. Any
 * other error is the store's and propagates.
 */
export async function writeSetUp(
  checkpoints: Checkpoints,
  store: SessionKVStore,
  entries: readonly MsetEntry[],
): Promise<boolean> {
  for (const piece of inChunks(entries)) {
    for (let attempt = 1; ; attempt++) {
      try {
        await store.mset(piece);
        break;
      } catch (error) {
        if (!unavailable(error)) throw error;
        if (attempt === ATTEMPTS) {
          checkpoints.skip(
            `set-up (mset of ${entries.length} entries in chunks of ${SET_UP_CHUNK})`,
            `a chunk was refused as unavailable ${ATTEMPTS} times (server too slow here): ${(error as Error).message}`,
          );
          return false;
        }
      }
    }
  }
  return true;
}

/**
 * Runs `work` over `items` at once, the large batch a case tests, and resolves with its result; or
 * skips the checkpoint and resolves `undefined` when a slow server, not the store, explains why it
 * could not finish within the store's own operation timeout.
 *
 * The proof: the whole batch was refused as unavailable on every attempt, each after at least
 * {@link SHORTEST_TIMEOUT_MS} (a timeout that ran out, not a quick refusal), and the same work in
 * set-up-sized calls, one after another (never faster than the whole at once for a correct store),
 * took at least half as long as the last attempt was given. Pieces that finish quicker prove the
 * server could have answered: the rejection stands and fails the case, as any other error does.
 */
export async function largeBatch<T, R>(
  checkpoints: Checkpoints,
  what: string,
  items: readonly T[],
  work: (batch: readonly T[]) => Promise<R>,
): Promise<{ value: R } | undefined> {
  let lastError: unknown;
  let given = 0;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const began = performance.now();
    try {
      return { value: await work(items) };
    } catch (error) {
      given = performance.now() - began;
      if (!unavailable(error) || given < SHORTEST_TIMEOUT_MS) throw error;
      lastError = error;
    }
  }
  const began = performance.now();
  for (const piece of inChunks(items)) await work(piece);
  const took = performance.now() - began;
  if (took < given / 2) throw lastError;
  checkpoints.skip(
    what,
    `refused as unavailable after ${ms(given)} on each of ${ATTEMPTS} attempts, and the same work in calls of ` +
      `${SET_UP_CHUNK} took ${ms(took)} (the server is too slow here for the store's operation timeout): ` +
      (lastError as Error).message,
  );
  return undefined;
}
