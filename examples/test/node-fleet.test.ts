import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type SessionKVStore, SessionRegistry, silentLogger } from "@sessionkv/core";
import { waitFor } from "@sessionkv/core/testing";
import { EtcdSessionKVStore } from "@sessionkv/etcd";
import { MemcachedSessionKVStore } from "@sessionkv/memcached";
import { RedisSessionKVStore } from "@sessionkv/redis";
import { type StartedServer, backendTargets, requireContainers } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import { describe, expect, it } from "vitest";

// Node records across processes (core README, "Node records" and "Drain"): three node processes
// on one server, one of them hosting nothing; getNodes() from this process lists them with their
// counts, a killed one leaves within its TTL, a drained one refuses add with ERR_DRAINING.
const gate = await requireContainers();
const NODE = fileURLToPath(new URL("./fixtures/fleet-node.mjs", import.meta.url));
const TTL_MS = 3_000;
const INTERVAL_MS = 500;

const BACKENDS = {
  redis: (s: StartedServer, keyPrefix: string) =>
    new RedisSessionKVStore({ url: `redis://${s.endpoint}`, keyPrefix }),
  etcd: (s: StartedServer, keyPrefix: string) =>
    new EtcdSessionKVStore({ hosts: `http://${s.endpoint}`, keyPrefix }),
  memcached: (s: StartedServer, keyPrefix: string) =>
    new MemcachedSessionKVStore({ servers: s.endpoint, keyPrefix }),
} as const;

interface NodeProcess {
  readonly child: ChildProcess;
  readonly events: Record<string, unknown>[];
  readonly exited: Promise<void>;
  send(line: string): void;
}

function startNode(backend: string, endpoint: string, keyPrefix: string, nodeId: string): NodeProcess {
  const child = spawn(
    process.execPath,
    [NODE, backend, endpoint, keyPrefix, nodeId, String(TTL_MS), String(INTERVAL_MS)],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const events: Record<string, unknown>[] = [];
  let partial = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) events.push(JSON.parse(line) as Record<string, unknown>);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return { child, events, exited, send: (line) => child.stdin?.write(`${line}\n`) };
}

/** When a record written now is gone at the latest on this store: its TTL as the store keeps it, plus its lag. */
function goneByMs(store: SessionKVStore, ttlMs: number): number {
  const { minTtlMs, ttlResolutionMs, expiryLagMs } = store.capabilities;
  return Math.ceil(Math.max(ttlMs, minTtlMs) / ttlResolutionMs) * ttlResolutionMs + expiryLagMs;
}

for (const [backend, storeOn] of Object.entries(BACKENDS)) {
  describe(`node processes on ${backend}`, () => {
    forEachTarget(backendTargets([backend as never]).slice(0, 1), { run: gate.run }, ({ server, track }) => {
      it("getNodes() lists live nodes with their counts; a killed node leaves within its TTL; a drained node refuses add", async () => {
        const keyPrefix = `fleet-${process.pid}:`;
        const store = track(storeOn(server(), keyPrefix));
        const viewer = new SessionRegistry({ store, ttlMs: TTL_MS, logger: silentLogger });
        await viewer.start();
        const nodes = Object.fromEntries(
          ["node-a", "node-b", "node-c"].map((id) => [
            id,
            startNode(backend, server().endpoint, keyPrefix, id),
          ]),
        ) as Record<"node-a" | "node-b" | "node-c", NodeProcess>;
        try {
          for (const node of Object.values(nodes))
            await waitFor(() => node.events.some((e) => "ready" in e), 30_000, "node started");
          for (const id of ["a1", "a2"]) nodes["node-a"].send(`add ${id}`);
          nodes["node-b"].send("add b1");
          await waitFor(
            () =>
              nodes["node-a"].events.filter((e) => "added" in e).length === 2 &&
              nodes["node-b"].events.some((e) => "added" in e),
            10_000,
            "sessions added",
          );
          const counts = async () => (await viewer.getNodes()).map((n) => [n.nodeId, n.sessions, n.draining]);
          await waitFor(
            async () =>
              JSON.stringify(await counts()) ===
              JSON.stringify([
                ["node-a", 2, false],
                ["node-b", 1, false],
                ["node-c", 0, false],
              ]),
            INTERVAL_MS * 2 + 5_000,
            "every node listed with its count, node-c hosting nothing",
          );

          // Killed: no stop(), no delete. Its record was last refreshed before the kill.
          const killedAt = Date.now();
          nodes["node-b"].child.kill("SIGKILL");
          await nodes["node-b"].exited;
          await waitFor(
            async () => !(await viewer.getNodes()).some((n) => n.nodeId === "node-b"),
            goneByMs(store, TTL_MS) + INTERVAL_MS + 5_000,
            "killed node gone",
          );
          const goneAfter = Date.now() - killedAt;
          console.log(
            `${backend}: killed node left getNodes() ${goneAfter} ms after SIGKILL (ttl ${TTL_MS} ms, interval ${INTERVAL_MS} ms)`,
          );
          expect(goneAfter).toBeLessThanOrEqual(goneByMs(store, TTL_MS) + INTERVAL_MS);
          expect((await counts()).map(([id]) => id)).toEqual(["node-a", "node-c"]);

          expect(await viewer.requestDrain("node-a")).toBe(true);
          await waitFor(
            async () => (await viewer.getNodes())[0]?.draining === true,
            INTERVAL_MS + 5_000,
            "node-a draining",
          );
          nodes["node-a"].send("add a3");
          await waitFor(() => nodes["node-a"].events.some((e) => e.refused === "a3"), 5_000, "add answered");
          expect(nodes["node-a"].events.find((e) => e.refused === "a3")).toEqual({
            refused: "a3",
            code: "ERR_DRAINING",
          });
          expect((await viewer.getForCall("fleet-call")).map((s) => s.sessionId).sort()).toEqual([
            "a1",
            "a2",
          ]);
          nodes["node-c"].send("add c1");
          await waitFor(
            () => nodes["node-c"].events.some((e) => e.added === "c1"),
            5_000,
            "the other node still takes sessions",
          );
        } finally {
          for (const node of Object.values(nodes))
            if (node.child.exitCode === null) node.child.kill("SIGKILL");
          await Promise.all(Object.values(nodes).map((n) => n.exited));
          await viewer.stop();
        }
      });
    });
  });
}
