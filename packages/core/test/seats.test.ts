import { describe, expect, it } from "vitest";
import {
  ErrorCode,
  type SeatLostEvent,
  type SeatRetakenEvent,
  type SessionKVError,
  type SessionTakenOverEvent,
  seatKey,
  sessionKey,
} from "../src/index.js";
import { sleep } from "../src/store-kit.js";
import { interceptStore, recordingLogger, waitFor } from "../src/testing/index.js";
import { sessionFixtures } from "./support/session-fixtures.js";

const { store: openStore, registry, host } = sessionFixtures();
const idle = { close() {} };

async function rejection(work: Promise<unknown>): Promise<SessionKVError> {
  try {
    await work;
  } catch (error) {
    return error as SessionKVError;
  }
  throw new Error("expected a rejection");
}

/** `n` hosts, each its own registry and node id, on one store. */
async function nodes(n: number, options: { ttlMs?: number; intervalMs?: number; limit?: number } = {}) {
  const store = openStore();
  const made = Array.from({ length: n }, (_, i) =>
    host({
      registry: registry({ store, nodeId: `node-${i}`, ttlMs: options.ttlMs ?? 60_000 }),
      maintenanceIntervalMs: options.intervalMs ?? 20_000,
      ...(options.limit === undefined ? {} : { maxSessionsPerCall: options.limit }),
    }),
  );
  await Promise.all(made.map((h) => h.start()));
  return { store, hosts: made };
}

describe("seats: maxSessionsPerCall across nodes", () => {
  it("of more racers than seats, exactly the limit win, round after round; the rest get ERR_LIMIT_REACHED naming call, limit and scope", async () => {
    const LIMIT = 3;
    const { hosts } = await nodes(4, { limit: LIMIT });
    for (let round = 0; round < 20; round++) {
      const callId = `call-${round}`;
      const results = await Promise.allSettled(
        hosts.flatMap((h, n) => [0, 1].map((k) => h.add(callId, `s-${round}-${n}-${k}`, idle))),
      );
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(won, `round ${round}`).toHaveLength(LIMIT);
      for (const { reason } of lost) {
        expect(reason.code).toBe(ErrorCode.LIMIT_REACHED);
        expect(reason.details).toMatchObject({ scope: "call", limit: LIMIT, callId });
        expect(reason.message).toContain(callId);
        expect(reason.message).toContain(String(LIMIT));
      }
      expect(await hosts[0]!.registry.getForCall(callId)).toHaveLength(LIMIT);
      expect(await hosts[0]!.registry.getSeats(callId)).toEqual({ limit: LIMIT, taken: LIMIT });
    }
  });

  it("a removed or closed session frees its seat; a per-add limit overrides the host's", async () => {
    const { hosts } = await nodes(2, { limit: 1 });
    const [a, b] = hosts as [NonNullable<(typeof hosts)[0]>, NonNullable<(typeof hosts)[0]>];
    await a.add("c", "one", idle);
    expect((await rejection(b.add("c", "two", idle))).code).toBe(ErrorCode.LIMIT_REACHED);
    await b.add("c", "two", idle, { maxSessionsPerCall: 2 });
    await a.remove("c", "one");
    await waitFor(async () => (await a.registry.getSeats("c")).taken === 1, 2_000, "seat released");
    await b.requestClose("c", "two");
    await waitFor(async () => (await a.registry.getSeats("c")).taken === 0, 2_000, "seat released on close");
    await a.add("c", "three", idle);
    expect(await a.registry.getSeats("c")).toEqual({ limit: 1, taken: 1 });
    expect(await a.registry.getSeats("other")).toEqual({ limit: null, taken: 0 });
  });

  it("maxSessions caps one node's sessions and reservations, with the same code and scope node", async () => {
    const store = openStore();
    const h = host({
      registry: registry({ store, nodeId: "A", ttlMs: 60_000 }),
      maintenanceIntervalMs: 20_000,
      maxSessions: 2,
    });
    await h.start();
    await h.add("c1", "a", idle);
    const seat = await h.reserve("c2", { maxSessionsPerCall: 5 });
    const error = await rejection(h.add("c3", "b", idle));
    expect(error.code).toBe(ErrorCode.LIMIT_REACHED);
    expect(error.details).toEqual({ scope: "node", limit: 2, callId: "c3", nodeId: "A" });
    // The reservation's session takes the reservation's place in the count.
    await seat.add("b", idle);
    await h.remove("c1", "a");
    await h.add("c3", "c", idle);
  });

  it("a node that dies frees its seats within one TTL; a live node's seats outlive many TTLs", async () => {
    const ttlMs = 400;
    const { hosts } = await nodes(2, { limit: 2, ttlMs, intervalMs: 100 });
    const [a, b] = hosts as [NonNullable<(typeof hosts)[0]>, NonNullable<(typeof hosts)[0]>];
    await a.add("c", "a1", idle);
    await b.add("c", "b1", idle);
    await sleep(3 * ttlMs);
    expect(await a.registry.getSeats("c"), "heartbeats keep both seats").toEqual({ limit: 2, taken: 2 });
    await a.abandon();
    const died = performance.now();
    await waitFor(async () => (await b.registry.getSeats("c")).taken === 1, 2 * ttlMs, "seat freed");
    // Its last refresh came before the abandon, so the seat is gone one TTL after it at the latest;
    // the margin is the polling's and a loaded machine's.
    expect(performance.now() - died).toBeLessThanOrEqual(ttlMs + 250);
    await b.add("c", "b2", idle);
  });

  it("a reserved seat counts, is refreshed while held, and is either added to or released", async () => {
    const ttlMs = 300;
    const { hosts } = await nodes(2, { limit: 1, ttlMs, intervalMs: 100 });
    const [a, b] = hosts as [NonNullable<(typeof hosts)[0]>, NonNullable<(typeof hosts)[0]>];
    const seat = await a.reserve("c");
    expect(seat.held).toBe(true);
    await sleep(3 * ttlMs);
    expect((await rejection(b.add("c", "x", idle))).code, "the reservation still counts").toBe(
      ErrorCode.LIMIT_REACHED,
    );
    await seat.add("s", idle);
    expect(seat.held).toBe(false);
    expect(a.seatsHeldFor("c")).toBe(1);
    expect((await rejection(seat.add("t", idle))).code).toBe(ErrorCode.INVALID_ARGUMENT);
    await a.remove("c", "s");
    await waitFor(async () => (await a.registry.getSeats("c")).taken === 0, 1_000, "seat released");
    const again = await b.reserve("c");
    expect((await rejection(a.reserve("c"))).code).toBe(ErrorCode.LIMIT_REACHED);
    await again.release();
    await again.release();
    expect(await a.registry.getSeats("c")).toEqual({ limit: null, taken: 0 });
    expect(
      (await rejection(host({ registry: a.registry, maintenanceIntervalMs: 100 }).reserve("c"))).code,
    ).toBe(ErrorCode.INVALID_ARGUMENT);
  });

  it("a seat lost with the store's data is retaken in the next cycle, or reported when the call is full; never counted twice silently", async () => {
    const { store, hosts } = await nodes(2, { limit: 1 });
    const [a, b] = hosts as [NonNullable<(typeof hosts)[0]>, NonNullable<(typeof hosts)[0]>];
    const retaken: SeatRetakenEvent[] = [];
    const lost: SeatLostEvent[] = [];
    a.events.on("seat-retaken", (e) => retaken.push(e));
    a.events.on("seat-lost", (e) => lost.push(e));
    await a.add("c", "a1", idle);
    // Data loss: every key gone (a restart of a cache).
    await store.delete(await store.keys(""));
    await a.runCycle();
    expect(retaken).toEqual([{ callId: "c", sessionId: "a1", seatKey: seatKey("c", 0) }]);
    expect(await b.registry.getSeats("c")).toEqual({ limit: 1, taken: 1 });
    expect((await rejection(b.add("c", "b1", idle))).code).toBe(ErrorCode.LIMIT_REACHED);

    // Lost again, and another node takes the free seat before A's next cycle: A reports it.
    await store.delete(await store.keys(""));
    await b.add("c", "b1", idle);
    await a.runCycle();
    expect(lost).toEqual([{ callId: "c", sessionId: "a1", seatKey: seatKey("c", 0), limit: 1 }]);
    await a.runCycle();
    expect(lost, "reported once, retried quietly").toHaveLength(1);
    // B's session ends: A's next cycle takes the seat it frees.
    await b.remove("c", "b1");
    await a.runCycle();
    expect(retaken).toHaveLength(2);
    expect(await b.registry.getSeats("c")).toEqual({ limit: 1, taken: 1 });
  });

  it("a seat that expired during a heartbeat gap longer than the TTL is detected in the next cycle", async () => {
    const ttlMs = 300;
    const inner = openStore();
    let down = false;
    const store = interceptStore(inner, (operation) => {
      if (down && operation === "expire") throw new Error("simulated outage");
    });
    const logger = recordingLogger();
    const a = host({
      registry: registry({ store, nodeId: "A", ttlMs }),
      maintenanceIntervalMs: 100,
      maxSessionsPerCall: 1,
      logger,
    });
    const b = host({ registry: registry({ store: inner, nodeId: "B", ttlMs }), maintenanceIntervalMs: 100 });
    await Promise.all([a.start(), b.start()]);
    const lost: SeatLostEvent[] = [];
    a.events.on("seat-lost", (e) => lost.push(e));
    await a.add("c", "a1", idle);
    down = true;
    await waitFor(async () => (await b.registry.getSeats("c")).taken === 0, 2_000, "seat expired");
    await b.add("c", "b1", idle, { maxSessionsPerCall: 1 });
    down = false;
    await waitFor(() => lost.length === 1, 2_000, "loss reported");
    expect(logger.warnings.some((w) => w.includes("a1") && w.includes("seat"))).toBe(true);
    expect(await b.registry.getSeats("c")).toEqual({ limit: 1, taken: 1 });
  });
});

describe("one session id, one owner", () => {
  it("an id another live node hosts rejects with ERR_SESSION_EXISTS naming the owner", async () => {
    const { hosts } = await nodes(2);
    const [a, b] = hosts as [NonNullable<(typeof hosts)[0]>, NonNullable<(typeof hosts)[0]>];
    await a.add("c", "a1", idle);
    const error = await rejection(b.add("c", "a1", idle));
    expect(error.code).toBe(ErrorCode.SESSION_EXISTS);
    expect(error.details).toEqual({ callId: "c", sessionId: "a1", ownerNodeId: "node-0" });
    expect(error.message).toContain('"node-0"');
    expect((await a.registry.get("c", "a1"))?.nodeId).toBe("node-0");
    expect(b.sessions.size).toBe(0);
  });

  it("racing the same id from many nodes, exactly one wins every round", async () => {
    const { hosts } = await nodes(4);
    for (let round = 0; round < 30; round++) {
      const results = await Promise.allSettled(hosts.map((h) => h.add("c", `s${round}`, idle)));
      expect(
        results.filter((r) => r.status === "fulfilled"),
        `round ${round}`,
      ).toHaveLength(1);
      for (const r of results)
        if (r.status === "rejected") expect(r.reason.code).toBe(ErrorCode.SESSION_EXISTS);
    }
  });

  it("a record taken over by another writer is reported once and never fought for", async () => {
    const { store, hosts } = await nodes(1);
    const a = hosts[0]!;
    const events: SessionTakenOverEvent[] = [];
    a.events.on("session-taken-over", (e) => events.push(e));
    await a.add("c", "a1", idle);
    // A writer that does not claim (a Python node) overwrites the record.
    const foreign = {
      session_id: "a1",
      call_id: "c",
      node_id: "py",
      started_at: Date.now() / 1000,
      metrics: {},
    };
    const bytes = new TextEncoder().encode(JSON.stringify(foreign));
    await store.set(sessionKey("c", "a1"), bytes, 60_000);
    await a.runCycle();
    await a.runCycle();
    expect(events).toEqual([{ callId: "c", sessionId: "a1", ownerNodeId: "py" }]);
    expect((await a.registry.get("c", "a1"))?.nodeId).toBe("py");
    // Removing the local session leaves the new owner's record alone.
    await a.remove("c", "a1");
    expect((await a.registry.get("c", "a1"))?.nodeId).toBe("py");
  });
});

describe("maxSessionDurationMs", () => {
  it("closes the session at its deadline with reason max-duration, to a timer; the deadline is in the record and SessionInfo", async () => {
    const store = openStore();
    const h = host({
      registry: registry({ store, nodeId: "A", ttlMs: 60_000 }),
      maintenanceIntervalMs: 20_000,
      maxSessionDurationMs: 10_000,
    });
    await h.start();
    const closed: { reason: string; at: number }[] = [];
    const before = Date.now();
    await h.add(
      "c",
      "short",
      { close: (reason) => void closed.push({ reason, at: Date.now() }) },
      {
        maxSessionDurationMs: 200,
      },
    );
    await h.add("c", "long", idle);
    const info = await h.registry.get("c", "short");
    expect(info?.deadline).toBeGreaterThanOrEqual(before + 200);
    expect(info!.deadline! - info!.startedAt).toBeCloseTo(200, 3);
    const raw = JSON.parse(new TextDecoder().decode((await store.get(sessionKey("c", "short")))!));
    expect(raw.deadline).toBeCloseTo(info!.deadline! / 1000, 6);
    expect(
      (await h.registry.get("c", "long"))!.deadline! - (await h.registry.get("c", "long"))!.startedAt,
    ).toBeCloseTo(10_000, 3);
    await waitFor(() => closed.length === 1, 2_000, "closed at the deadline");
    expect(closed[0]!.reason).toBe("max-duration");
    // The next cycle is 20 s away: closing within a second proves the timer, not the cycle; the
    // second absorbs a loaded machine's late timers (133 ms seen at load 20).
    expect(closed[0]!.at - info!.deadline!).toBeLessThan(1_000);
    // Timers run on the monotonic clock, Date.now() on the wall clock: they may disagree by a few ms.
    expect(closed[0]!.at).toBeGreaterThanOrEqual(info!.deadline! - 5);
    await waitFor(async () => (await h.registry.get("c", "short")) === null, 1_000, "record removed");
    expect([...h.sessions.keys()]).toEqual(["long"]);
    // A healed record keeps its deadline.
    await store.delete([sessionKey("c", "long")]);
    await h.runCycle();
    expect((await h.registry.get("c", "long"))?.deadline).toBeDefined();
  });

  it("rejects bad limits and durations with ERR_INVALID_ARGUMENT before any I/O", async () => {
    const r = registry({ store: openStore(), nodeId: "A", ttlMs: 60_000 });
    for (const bad of [0, -1, 1.5, Number.NaN, "3"]) {
      expect(() => host({ registry: r, maxSessionsPerCall: bad as number })).toThrow(/maxSessionsPerCall/);
      expect(() => host({ registry: r, maxSessions: bad as number })).toThrow(/maxSessions/);
    }
    expect(() => host({ registry: r, maxSessionDurationMs: 0 })).toThrow(/maxSessionDurationMs/);
    const h = host({ registry: r, maintenanceIntervalMs: 20_000 });
    await h.start();
    expect((await rejection(h.add("c", "s", idle, { maxSessionsPerCall: 0 }))).code).toBe(
      ErrorCode.INVALID_ARGUMENT,
    );
    expect((await rejection(h.add("c", "s", idle, { maxSessionDurationMs: -5 }))).code).toBe(
      ErrorCode.INVALID_ARGUMENT,
    );
    expect(h.sessions.size).toBe(0);
  });
});

describe("healing with claims", () => {
  it("an unreadable record in place of a session's is replaced, a readable one of another node is not", async () => {
    const { store, hosts } = await nodes(1);
    const a = hosts[0]!;
    await a.add("c", "garbled", idle);
    await a.add("c", "stolen", idle);
    await store.set(sessionKey("c", "garbled"), new TextEncoder().encode("not json"), 60_000);
    await a.runCycle();
    expect((await a.registry.get("c", "garbled"))?.nodeId, "healed over the unreadable bytes").toBe("node-0");
    await store.delete([sessionKey("c", "stolen")]);
    await hosts[0]!.registry.store.setIfAbsent(
      sessionKey("c", "stolen"),
      new TextEncoder().encode(
        JSON.stringify({ session_id: "stolen", call_id: "c", node_id: "B", started_at: Date.now() / 1000 }),
      ),
      60_000,
    );
    await a.runCycle();
    expect((await a.registry.get("c", "stolen"))?.nodeId, "another node's record is left alone").toBe("B");
  });
});
