import { expect, it } from "vitest";
import {
  type FleetNode,
  type FleetStore,
  killedNodeFreesSeat,
  raceSameId,
  raceSeats,
  startFleet,
} from "../fleet/index.ts";

export interface FleetRaceOptions {
  /** How each node process builds its store on the target's server (its own instance each). */
  readonly store: () => FleetStore | Promise<FleetStore>;
  readonly ttlMs?: number;
  readonly intervalMs?: number;
  readonly rounds?: number;
  /** Where counts are reported, for the closing note. */
  readonly label: string;
}

const PROCESSES = 4;
const PER_NODE = 2;
const LIMIT = 3;

/**
 * The core README's seat invariants across processes ("Seats"): several node processes, each a
 * SessionHost on its own store instance, race adds into one call with maxSessionsPerCall for many
 * rounds; then race one session id; then one is killed and its seat must free within ttl + interval.
 * Register inside a `forEachTarget` body.
 */
export function itRacesSeatsAcrossProcesses(options: FleetRaceOptions): void {
  const ttlMs = options.ttlMs ?? 4_000;
  const intervalMs = options.intervalMs ?? 1_000;
  const rounds = options.rounds ?? 25;
  it(`${PROCESSES} node processes × ${PER_NODE} adds into a call of ${LIMIT} seats, ${rounds} rounds: exactly ${LIMIT} win, the rest ERR_LIMIT_REACHED; one id raced: one wins; a killed node's seat frees within ttl + interval`, async () => {
    const fleet: FleetNode[] = await startFleet(await options.store(), PROCESSES, { ttlMs, intervalMs });
    try {
      const run = `${process.pid}-${Date.now()}`;
      let won = 0;
      let rejected = 0;
      for (let round = 0; round < rounds; round++) {
        const result = await raceSeats(fleet, `race-${run}-${round}`, LIMIT, PER_NODE);
        expect(result.won, `round ${round}: exactly the limit won`).toBe(LIMIT);
        expect(result.rejected, `round ${round}: every other add was refused for the limit`).toEqual(
          Array(PROCESSES * PER_NODE - LIMIT).fill("ERR_LIMIT_REACHED"),
        );
        expect(result.seatsTaken, `round ${round}: seats taken`).toBe(LIMIT);
        expect(result.records, `round ${round}: records`).toBe(LIMIT);
        won += result.won;
        rejected += result.rejected.length;
      }
      let owners = 0;
      for (let round = 0; round < rounds; round++) {
        const result = await raceSameId(fleet, `same-${run}`, `id-${round}`);
        expect(result.won, `round ${round}: one owner`).toBe(1);
        expect(result.rejected).toEqual(Array(PROCESSES - 1).fill("ERR_SESSION_EXISTS"));
        owners += result.won;
      }
      const victim = fleet[PROCESSES - 1]!;
      const killed = await killedNodeFreesSeat(fleet, victim, `kill-${run}`, {
        pollMs: 50,
        giveUpMs: 4 * ttlMs,
      });
      // The victim's last refresh came before the kill, so its seat lives at most one TTL after
      // it; the bound adds one interval for that refresh's own lateness.
      const bound = ttlMs + intervalMs + victim.expiryLagMs;
      console.log(
        `[fleet-race ${options.label}] ${rounds} rounds: ${won} adds won (${LIMIT}/round), ${rejected} ERR_LIMIT_REACHED, 0 over the limit; same-id: ${owners}/${rounds} rounds one owner; killed node's seat freed after ${killed.freedAfterMs} ms (ttl ${ttlMs} + interval ${intervalMs}${victim.expiryLagMs ? ` + expiry lag ${victim.expiryLagMs}` : ""} = ${bound} ms)`,
      );
      expect(killed.freedAfterMs).toBeLessThanOrEqual(bound);
      expect(killed.retaken, "a survivor takes the freed seat").toBe(true);
    } finally {
      await Promise.all(fleet.map((n) => n.stop()));
    }
  }, 180_000);
}
