import {
  type CloseReason,
  ErrorCode,
  SessionHost,
  SessionRegistry,
  isSessionKVError,
  silentLogger,
} from "@sessionkv/core";
import { assert, sleepUntil } from "../expect.js";
import type { ConformanceCase } from "../types.js";
import { HOST_SLACK_MS, hostTiming, nodeStores, stampedStore } from "./registry-support.js";

const LONG_TTL_MS = 60_000;

/** Node records and drain (core README, "Node records" and "Drain"), over any store. */
export const nodeCases: ConformanceCase[] = [
  {
    id: "registry.node-records",
    title:
      "every running host, an idle one included, is listed by getNodes() with its session count and labels; a crashed one leaves within the TTL",
    async run(context) {
      const { ttlMs, intervalMs } = hostTiming(context.timing);
      const [storeA, storeB, storeV] = await nodeStores(context, 3);
      const stampedB = stampedStore(storeB!);
      const hostA = new SessionHost({
        registry: new SessionRegistry({ store: storeA!, nodeId: "A", ttlMs, logger: silentLogger }),
        maintenanceIntervalMs: intervalMs,
        logger: silentLogger,
      });
      const hostB = new SessionHost({
        registry: new SessionRegistry({ store: stampedB.store, nodeId: "B", ttlMs, logger: silentLogger }),
        maintenanceIntervalMs: intervalMs,
        logger: silentLogger,
        labels: { region: "eu-west-1", role: "idle" },
      });
      const viewer = new SessionRegistry({ store: storeV!, nodeId: "V", ttlMs, logger: silentLogger });
      await Promise.all([hostA.start(), hostB.start(), viewer.start()]);
      const t0 = performance.now();
      for (const id of ["a1", "a2", "a3"]) await hostA.add("call", id, { close() {} });
      await hostA.runCycle();
      const listed = await viewer.getNodes();
      assert.deepEqual(
        listed.map((n) => [n.nodeId, n.sessions, n.draining]),
        [
          ["A", 3, false],
          ["B", 0, false],
        ],
        "both nodes listed with their counts; the idle one too",
      );
      assert.deepEqual(listed[1]?.labels, { region: "eu-west-1", role: "idle" }, "labels as given");
      assert.ok(
        listed.every((n) => typeof n.version === "string" && n.version.length > 0),
        "version",
      );
      await sleepUntil(t0, ttlMs + intervalMs);
      await context.checkpoints.stillThere(
        "heartbeats keep the idle node's record past its TTL",
        stampedB.presenceOf("nodes/live/B"),
        async () => (await viewer.getNodes()).map((n) => n.nodeId),
        (ids) => assert.deepEqual(ids, ["A", "B"], "both nodes still listed"),
      );
      await hostA.abandon();
      const took = await context.checkpoints.within(
        "crashed node left the list",
        context.timing.goneByMs(ttlMs) + intervalMs,
        async () => !(await viewer.getNodes()).some((n) => n.nodeId === "A"),
        50,
      );
      context.note(`crashed node gone ${Math.round(took)} ms after the crash (TTL ${ttlMs} ms)`);
      await hostB.stop();
      assert.deepEqual(await viewer.getNodes(), [], "a stopped host deletes its record");
    },
  },
  {
    id: "host.drain-requested",
    title:
      'requestDrain from another node drains the host within one interval: add refused with ERR_DRAINING, draining: true listed, sessions closed ("drain") after the grace period',
    async run(context) {
      const intervalMs = 250;
      const [storeA, storeC] = await nodeStores(context, 2);
      const hostA = new SessionHost({
        registry: new SessionRegistry({
          store: storeA!,
          nodeId: "A",
          ttlMs: LONG_TTL_MS,
          logger: silentLogger,
        }),
        maintenanceIntervalMs: intervalMs,
        logger: silentLogger,
      });
      const operator = new SessionRegistry({
        store: storeC!,
        nodeId: "C",
        ttlMs: LONG_TTL_MS,
        logger: silentLogger,
      });
      await Promise.all([hostA.start(), operator.start()]);
      const closed = new Map<string, { reason: CloseReason; at: number }>();
      for (const id of ["s1", "s2"])
        await hostA.add("call", id, {
          close: (reason) => void closed.set(id, { reason, at: performance.now() }),
        });
      assert.equal(await operator.requestDrain("nobody"), false, "no node record, no drain flag");
      const graceMs = 500;
      const t0 = performance.now();
      assert.equal(await operator.requestDrain("A", { graceMs }), true);
      await context.checkpoints.within("node A drains", intervalMs + HOST_SLACK_MS, () => hostA.draining, 5);
      const refused = await hostA.add("call", "late", { close() {} }).then(
        () => undefined,
        (error: unknown) => error,
      );
      assert.ok(
        isSessionKVError(refused, ErrorCode.DRAINING),
        "a draining host refuses add with ERR_DRAINING",
      );
      assert.equal(await operator.get("call", "late"), null, "the refused session was never registered");
      await context.checkpoints.within(
        "draining: true in node A's record",
        HOST_SLACK_MS,
        async () => (await operator.getNodes()).find((n) => n.nodeId === "A")?.draining === true,
      );
      await context.checkpoints.within(
        "sessions closed after the grace period",
        intervalMs + graceMs + HOST_SLACK_MS,
        () => closed.size === 2,
        5,
      );
      for (const [id, c] of closed) {
        assert.equal(c.reason, "drain", `${id} closed with reason "drain"`);
        assert.ok(
          c.at - t0 >= graceMs,
          `${id} closed ${Math.round(c.at - t0)} ms after the request, not before the grace period`,
        );
      }
      await context.checkpoints.within(
        "closed sessions removed",
        HOST_SLACK_MS,
        async () => (await operator.getForCall("call")).length === 0,
      );
      await hostA.stop();
      assert.deepEqual(await operator.getNodes(), [], "the stopped node left the list");
    },
  },
];
