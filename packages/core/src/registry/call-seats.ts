import { randomInt, randomUUID } from "node:crypto";
import { invalidArgument } from "../errors.js";
import type { Lifecycle } from "../lifecycle.js";
import type { SessionKVStore } from "../types.js";
import { parsePythonJson } from "./record.js";
import { validateId } from "./validate.js";

/**
 * Seat keys: `seats/{callId}#{index}`, index in [0, limit). A call's limit of N is N keys, each
 * claimed with `setIfAbsent`, so at most N holders exist at any instant whatever the number of
 * nodes racing ("Seats" in the core README). Ids never contain "/" (validated).
 *
 * One "/" only, not `seats/{callId}/{index}`: a key of two segments falls in a listing partition,
 * and Redis keeps an index entry per partitioned key that every refresh rewrites; at 10,000
 * sessions that doubled the seats' share of a heartbeat (docs/benchmarks.md). The counts below
 * read the N keys directly instead of listing them.
 */
const SEATS = "seats/";

export function seatKey(callId: string, index: number): string {
  return `${SEATS}${callId}#${index}`;
}

function seatPrefix(callId: string): string {
  return `${SEATS}${callId}#`;
}

/** A seat this node holds: its key, and the exact bytes that name this holder (for `deleteIfEquals`). */
export interface HeldSeat {
  readonly callId: string;
  readonly index: number;
  readonly limit: number;
  readonly key: string;
  readonly value: Uint8Array;
}

/** How many seats of a call are taken, and the limit they were taken under. */
export interface SeatCount {
  /** The largest limit among the live seats' holders; null when no seat is taken. */
  readonly limit: number | null;
  /** Live seat keys of the call. */
  readonly taken: number;
}

/** The longest a seat limit may be: a claim reads all N keys, and a call of more is no limit. */
export const MAX_SEATS_PER_CALL = 10_000;

/** Calls whose last seen free seats a registry keeps for its next claims' first guesses. */
const REMEMBERED_CALLS = 1_000;

const encoder = new TextEncoder();
const utf8 = new TextDecoder("utf-8", { fatal: true });

export function validateSeatLimit(value: unknown, parameter: string): asserts value is number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_SEATS_PER_CALL) {
    throw invalidArgument(
      parameter,
      `must be an integer from 1 to ${MAX_SEATS_PER_CALL}, got ${typeof value === "number" ? value : typeof value}`,
    );
  }
}

export interface SeatParts {
  readonly store: SessionKVStore;
  readonly nodeId: string;
  readonly ttlMs: number;
  readonly lifecycle: Lifecycle;
}

/**
 * The seats of calls, over a registry's store and TTL. A claim costs one round trip when its first
 * guess is free: the `setIfAbsent` of one seat and an `mget` of all N go out together, and only a
 * lost guess takes another round, on a seat the read saw free.
 */
export class CallSeats {
  readonly #store: SessionKVStore;
  readonly #nodeId: string;
  readonly #ttlMs: number;
  readonly #lifecycle: Lifecycle;
  /** The free seats each claim's read saw, by call, for the next claim's first guess. */
  readonly #lastFree = new Map<string, { limit: number; free: number[] }>();

  constructor(parts: SeatParts) {
    this.#store = parts.store;
    this.#nodeId = parts.nodeId;
    this.#ttlMs = parts.ttlMs;
    this.#lifecycle = parts.lifecycle;
  }

  /**
   * Takes one free seat of the call's `limit`, or resolves null when all are taken. Gives up only
   * after a read saw every seat taken: with no holder leaving, N claimers out of more than N win
   * exactly N. `holder` is written into the seat (a session id, or empty for a reservation).
   */
  async claim(callId: string, limit: number, holder = ""): Promise<HeldSeat | null> {
    validateId(callId, "callId");
    validateSeatLimit(limit, "limit");
    this.#lifecycle.assertStarted("claim");
    const keys = Array.from({ length: limit }, (_, i) => seatKey(callId, i));
    const value = encoder.encode(
      JSON.stringify({ node_id: this.#nodeId, call_id: callId, limit, holder, token: randomUUID() }),
    );
    // Each lost round means another holder took that seat; seats churning under a claim could
    // otherwise keep it going, so it stops after as many rounds as there are seats, plus one.
    let guess = this.#guess(callId, limit);
    for (let round = 0; round <= limit; round++) {
      const key = keys[guess] as string;
      const [won, seen] = await Promise.all([
        this.#store.setIfAbsent(key, value, this.#ttlMs),
        this.#store.mget(keys),
      ]);
      const free: number[] = [];
      for (let i = 0; i < limit; i++) if (i !== guess && seen[i] === null) free.push(i);
      this.#remember(callId, limit, free);
      if (won) return { callId, index: guess, limit, key, value };
      if (free.length === 0) return null;
      guess = free[randomInt(free.length)] as number;
    }
    return null;
  }

  /**
   * A seat the last read of the call saw free, else a random one: a node adding into a call it
   * has added into before then wins its first guess unless another node took that seat since.
   * Random, not the lowest: racing nodes with the same view spread over the free seats.
   */
  #guess(callId: string, limit: number): number {
    const seen = this.#lastFree.get(callId);
    if (seen === undefined || seen.limit !== limit || seen.free.length === 0) return randomInt(limit);
    return seen.free[randomInt(seen.free.length)] as number;
  }

  #remember(callId: string, limit: number, free: number[]): void {
    this.#lastFree.delete(callId);
    this.#lastFree.set(callId, { limit, free });
    // Bounded: the oldest call read is forgotten first (a Map iterates in insertion order).
    if (this.#lastFree.size > REMEMBERED_CALLS)
      this.#lastFree.delete(this.#lastFree.keys().next().value as string);
  }

  /** Frees a seat if this holder still has it (`deleteIfEquals`); false when it had expired or been taken. */
  async release(seat: HeldSeat): Promise<boolean> {
    this.#lifecycle.assertStarted("releaseSeat");
    return this.#store.deleteIfEquals(seat.key, seat.value);
  }

  /** Whether each seat is still held by its holder: one `mget`. */
  async held(seats: readonly HeldSeat[]): Promise<boolean[]> {
    this.#lifecycle.assertStarted("seatsHeld");
    if (seats.length === 0) return [];
    const values = await this.#store.mget(seats.map((s) => s.key));
    return seats.map((s, i) => sameBytes(values[i] ?? null, s.value));
  }

  /** Takes the same seat back with the same bytes if it is free again (one `setIfAbsent`). */
  async retake(seat: HeldSeat): Promise<boolean> {
    this.#lifecycle.assertStarted("retakeSeat");
    return this.#store.setIfAbsent(seat.key, seat.value, this.#ttlMs);
  }

  /**
   * The call's taken seats and their limit. Given the limit: one batched read of its N seat keys.
   * Without: one listing of the call's seat keys (a scan on a Redis), then one batched read.
   */
  async count(callId: string, given?: number): Promise<SeatCount> {
    validateId(callId, "callId");
    if (given !== undefined) validateSeatLimit(given, "limit");
    this.#lifecycle.assertStarted("getSeats");
    const prefix = seatPrefix(callId);
    const keys =
      given !== undefined
        ? Array.from({ length: given }, (_, i) => seatKey(callId, i))
        : (await this.#store.keys(prefix)).filter((k) => /^\d+$/.test(k.slice(prefix.length)));
    if (keys.length === 0) return { limit: null, taken: 0 };
    const values = await this.#store.mget(keys);
    if (given !== undefined) return { limit: given, taken: values.filter((v) => v !== null).length };
    let limit: number | null = null;
    let taken = 0;
    for (const value of values) {
      if (value === null) continue;
      taken++;
      const named = limitOf(value);
      if (named !== undefined && (limit === null || named > limit)) limit = named;
    }
    return { limit, taken };
  }
}

function limitOf(value: Uint8Array): number | undefined {
  try {
    const parsed = parsePythonJson(utf8.decode(value)) as { limit?: unknown } | null;
    const limit = parsed?.limit;
    return typeof limit === "number" && Number.isInteger(limit) && limit > 0 ? limit : undefined;
  } catch {
    return undefined;
  }
}

function sameBytes(a: Uint8Array | null, b: Uint8Array): boolean {
  if (a === null || a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
