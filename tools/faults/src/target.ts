// What the fault command needs from one backend setup ("target"): fresh servers per fault,
// a way to make stores (one per host and one for the observer), and the fault itself.
import type { SessionKVStore } from "@sessionkv/core";
import type { Log } from "./log.ts";

export const FAULTS = ["pause", "restart-empty", "restart-data", "drop", "failover"] as const;
export type Fault = (typeof FAULTS)[number];

export const FAULT_TITLES: Record<Fault, string> = {
  pause: "pause",
  "restart-empty": "kill + restart empty",
  "restart-data": "kill + restart with data",
  drop: "connection drop (proxy)",
  failover: "failover",
};

/** Servers started for one fault. */
export interface Rig {
  /** A new store with its own client(s). */
  store(): SessionKVStore;
  /** Starts the fault. */
  inject(): Promise<void>;
  /** Ends it; resolves once the servers answer again (for a failover: once a new primary serves). */
  recover(): Promise<void>;
  /** How long the fault lasts between inject and recover (0: recover right away). */
  readonly holdMs: number;
  stop(): Promise<void>;
}

export interface Target {
  /** Row label, e.g. `redis 7.0`. */
  readonly name: string;
  /** The faults this backend can have (a fault it cannot have prints as n/a, with the reason). */
  readonly faults: Partial<Record<Fault, true | string>>;
  /** The password or secret key given to the stores, searched for in everything logged. */
  readonly secret: string | undefined;
  /**
   * The observer's pause between two polls (default `OBSERVER_PAUSE_MS`): a server that is a
   * single process on this machine must not spend its capacity on the observer's listings.
   */
  readonly observerPauseMs?: number;
  /** Starts fresh servers for one fault; client errors go to `log`. */
  setup(fault: Fault, log: Log): Promise<Rig>;
}

/** Every target gets a recognisable secret, so that a leak cannot hide among other strings. */
export const SECRET = "sk-faults-7f3a9c1e5b";

/** How long a paused server stays frozen: under the registry TTL, so no record may expire. */
export const PAUSE_MS = 3_000;

/** The observer's pause between two polls: the resolution of the recovery times. */
export const OBSERVER_PAUSE_MS = 100;

/** Each store's bound on one operation: short, so that a frozen server shows as errors, not as waits. */
export const STORE_TIMEOUT_MS = 2_000;
