import { ErrorCode, SessionHost, SessionRegistry, isSessionKVError, silentLogger } from "@sessionkv/core";
import { assert } from "../expect.js";
import type { ConformanceCase } from "../types.js";
import { hostTiming, nodeStores } from "./registry-support.js";

const LONG_TTL_MS = 60_000;
const idle = { close() {} };

/** Seats and session ownership across nodes (core README, "Seats" and "One session id, one owner"). */
export const hostSeatCases: ConformanceCase[] = [
  {
    id: "host.seats-exactly-the-limit",
    title:
      "nodes on separate store instances racing adds into one call with maxSessionsPerCall: exactly the limit win, every round; the rest get ERR_LIMIT_REACHED",
    async run(context) {
      const LIMIT = 3;
      const stores = await nodeStores(context, 4);
      const hosts = stores.map(
        (store, i) =>
          new SessionHost({
            registry: new SessionRegistry({
              store,
              nodeId: `N${i}`,
              ttlMs: LONG_TTL_MS,
              logger: silentLogger,
            }),
            maintenanceIntervalMs: 10_000,
            maxSessionsPerCall: LIMIT,
            logger: silentLogger,
          }),
      );
      await Promise.all(hosts.map((h) => h.start()));
      try {
        for (let round = 0; round < 5; round++) {
          const callId = `seats-${round}`;
          const results = await Promise.allSettled(
            hosts.flatMap((h, n) => [0, 1].map((k) => h.add(callId, `${callId}-s${n}-${k}`, idle))),
          );
          const won = results.filter((r) => r.status === "fulfilled").length;
          assert.equal(won, LIMIT, `round ${round}: exactly the limit won`);
          for (const r of results) {
            if (r.status === "rejected")
              assert.ok(isSessionKVError(r.reason, ErrorCode.LIMIT_REACHED), `round ${round}: ${r.reason}`);
          }
          const seats = await hosts[0]!.registry.getSeats(callId);
          assert.deepEqual(seats, { limit: LIMIT, taken: LIMIT }, `round ${round}: getSeats`);
        }
      } finally {
        await Promise.all(hosts.map((h) => h.stop()));
      }
      const after = new SessionRegistry({ store: stores[0]!, ttlMs: LONG_TTL_MS, logger: silentLogger });
      await after.start();
      assert.deepEqual(
        await after.getSeats("seats-1"),
        { limit: null, taken: 0 },
        "stop releases every seat",
      );
    },
  },
  {
    id: "host.seat-of-crashed-node-frees",
    title: "a crashed node's seat frees within its TTL, and another node takes it",
    async run(context) {
      const { ttlMs, intervalMs } = hostTiming(context.timing);
      const [storeA, storeB] = await nodeStores(context, 2);
      const make = (store: typeof storeA, nodeId: string) =>
        new SessionHost({
          registry: new SessionRegistry({ store: store!, nodeId, ttlMs, logger: silentLogger }),
          maintenanceIntervalMs: intervalMs,
          maxSessionsPerCall: 1,
          logger: silentLogger,
        });
      const a = make(storeA, "A");
      const b = make(storeB, "B");
      await Promise.all([a.start(), b.start()]);
      try {
        await a.add("crash", "a1", idle);
        await b.add("crash", "b1", idle).then(
          () => assert.fail("the seat is taken"),
          (error: unknown) => assert.ok(isSessionKVError(error, ErrorCode.LIMIT_REACHED), String(error)),
        );
        await a.abandon();
        const took = await context.checkpoints.within(
          "the crashed node's seat freed",
          context.timing.goneByMs(ttlMs) + 100,
          async () => (await b.registry.getSeats("crash")).taken === 0,
          50,
        );
        context.note(`seat freed ${Math.round(took)} ms after the crash (TTL ${ttlMs} ms)`);
        await b.add("crash", "b1", idle);
      } finally {
        await b.stop();
      }
    },
  },
  {
    id: "host.one-owner-per-session-id",
    title:
      "nodes racing the same session id: exactly one wins each round, the others get ERR_SESSION_EXISTS naming it",
    async run(context) {
      const stores = await nodeStores(context, 3);
      const hosts = stores.map(
        (store, i) =>
          new SessionHost({
            registry: new SessionRegistry({
              store,
              nodeId: `N${i}`,
              ttlMs: LONG_TTL_MS,
              logger: silentLogger,
            }),
            maintenanceIntervalMs: 10_000,
            logger: silentLogger,
          }),
      );
      await Promise.all(hosts.map((h) => h.start()));
      try {
        for (let round = 0; round < 5; round++) {
          const results = await Promise.allSettled(hosts.map((h) => h.add("owner", `id${round}`, idle)));
          const winners = results.flatMap((r, i) => (r.status === "fulfilled" ? [`N${i}`] : []));
          assert.equal(winners.length, 1, `round ${round}: one owner`);
          for (const r of results) {
            if (r.status !== "rejected") continue;
            assert.ok(isSessionKVError(r.reason, ErrorCode.SESSION_EXISTS), String(r.reason));
            assert.equal(r.reason.details?.ownerNodeId, winners[0], "the error names the owner");
          }
          const record = await hosts[0]!.registry.get("owner", `id${round}`);
          assert.equal(record?.nodeId, winners[0], "the record is the winner's");
        }
      } finally {
        await Promise.all(hosts.map((h) => h.stop()));
      }
    },
  },
];
