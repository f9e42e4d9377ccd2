import {
  type HostedSession,
  SessionHost,
  type SessionKVStore,
  SessionRegistry,
  silentLogger,
} from "@sessionkv/core";
import { EtcdSessionKVStore } from "@sessionkv/etcd";
import { MemcachedSessionKVStore } from "@sessionkv/memcached";
import { RedisSessionKVStore } from "@sessionkv/redis";
import {
  type ServerTarget,
  type StartedServer,
  backendTargets,
  freePort,
  requireContainers,
} from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import { beforeAll, describe, expect, it } from "vitest";
import { cli } from "./cli.js";

// The store-touching commands against real servers: a fleet of two hosts in this process writes
// sessions through the backend's store, and the bin, in its own process, reads and closes them
// through --url. README, "Commands" and "URL schemes".
const gate = await requireContainers();
const PREFIX = "cli-test:";

interface Backend {
  readonly targets: ServerTarget[];
  url(server: StartedServer, port?: number): string;
  store(server: StartedServer): SessionKVStore;
}

const BACKENDS: Record<string, Backend> = {
  redis: {
    targets: backendTargets(["redis"]).slice(0, 1),
    url: (s, port = s.port) => `redis://${s.host}:${port}`,
    store: (s) => new RedisSessionKVStore({ url: `redis://${s.host}:${s.port}`, keyPrefix: PREFIX }),
  },
  memcached: {
    targets: backendTargets(["memcached"]).slice(0, 1),
    url: (s, port = s.port) => `memcached://${s.host}:${port}`,
    store: (s) => new MemcachedSessionKVStore({ servers: `${s.host}:${s.port}`, keyPrefix: PREFIX }),
  },
  etcd: {
    targets: backendTargets(["etcd"]).slice(0, 1),
    url: (s, port = s.port) => `etcd://${s.host}:${port}`,
    store: (s) => new EtcdSessionKVStore({ hosts: `http://${s.host}:${s.port}`, keyPrefix: PREFIX }),
  },
};

/** A session whose close the test can observe from this process. */
function observed(metrics: Record<string, number>): HostedSession & { closed: Promise<string> } {
  let resolve: (reason: string) => void = () => undefined;
  const closed = new Promise<string>((settle) => {
    resolve = settle;
  });
  return { closed, close: async (reason) => resolve(reason), metrics: () => metrics };
}

for (const [name, backend] of Object.entries(BACKENDS)) {
  describe(name, () => {
    forEachTarget(backend.targets, { run: gate.run }, ({ server, track }) => {
      const sessions = new Map<string, ReturnType<typeof observed>>();
      let hosts: Record<"a" | "b", SessionHost> | undefined;
      let url = "";
      const on = (...args: string[]) => [...args, "--url", url, "--prefix", PREFIX];

      beforeAll(async () => {
        url = backend.url(server());
        const store = track(backend.store(server()));
        const host = (nodeId: string) =>
          track(
            new SessionHost({
              registry: new SessionRegistry({ store, nodeId, ttlMs: 6_000, logger: silentLogger }),
              maintenanceIntervalMs: 250,
              logger: silentLogger,
            }),
            (h) => h.stop(),
          );
        const a = host("node-a");
        const b = host("node-b");
        await Promise.all([a.start(), b.start()]);
        for (const [h, call, id, turns] of [
          [a, "call-1", "s-1", 1],
          [b, "call-1", "s-2", 2],
          [a, "call-2", "s-3", 3],
          [b, "call-2", "s-4", 4],
        ] as const) {
          const session = observed({ turns });
          sessions.set(id, session);
          await h.add(call, id, session);
        }
        // The node records count the sessions from the next cycle on: run it now rather than wait.
        await Promise.all([a.runCycle(), b.runCycle()]);
        hosts = { a, b };
      });

      it("sessions: every call's sessions with node and metrics; --call and --node narrow it", async () => {
        const all = await cli(on("sessions", "--json"));
        expect(all.stderr).toBe("");
        expect(all.code).toBe(0);
        const listed = JSON.parse(all.stdout).sessions.map(
          (s: { callId: string; sessionId: string; nodeId: string; metrics: { turns: number } }) =>
            `${s.callId}/${s.sessionId}@${s.nodeId} turns=${s.metrics.turns}`,
        );
        expect(listed).toEqual([
          "call-1/s-1@node-a turns=1",
          "call-1/s-2@node-b turns=2",
          "call-2/s-3@node-a turns=3",
          "call-2/s-4@node-b turns=4",
        ]);
        const narrowed = await cli(on("sessions", "--call", "call-2", "--node", "node-b"));
        expect(narrowed.code).toBe(0);
        expect(
          narrowed.stdout
            .trimEnd()
            .split("\n")
            .slice(1)
            .map((l) => l.split(/\s+/).slice(0, 3)),
        ).toEqual([["call-2", "s-4", "node-b"]]);
      });

      it("--prefix picks the namespace: the backend's default prefix holds none of these sessions", async () => {
        const run = await cli(["sessions", "--url", url]);
        expect(run.code).toBe(0);
        expect(run.stdout).toBe("no sessions\n");
      });

      it("nodes: each node, from its node record, with its session count", async () => {
        const run = await cli(on("nodes", "--json"));
        expect(run.code).toBe(0);
        expect(
          JSON.parse(run.stdout).nodes.map(
            (n: { nodeId: string; sessions: number }) => `${n.nodeId}:${n.sessions}`,
          ),
        ).toEqual(["node-a:2", "node-b:2"]);
      });

      it("close --yes --wait: the owner closes the session, and it is gone from the listing", async () => {
        const run = await cli(on("close", "call-1", "s-2", "--yes", "--wait", "--timeout", "20000"));
        expect(run.stderr).toBe("");
        expect(run.code).toBe(0);
        expect(run.stdout).toMatch(/^closed: call-1\/s-2 on node node-b, gone after \d+ ms\n$/);
        expect(await sessions.get("s-2")?.closed).toBe("close-requested");
        const after = await cli(on("sessions", "--call", "call-1"));
        expect(after.stdout).not.toContain("s-2");
        expect(after.stdout).toContain("s-1");
      });

      it("watch without a terminal: a close made meanwhile shows up in a later snapshot", async () => {
        const watching = cli(on("watch", "--interval", "300"), { stopAfterMs: 6_000 });
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        const close = await cli(on("close", "call-2", "s-4", "--yes"));
        expect(close.code).toBe(0);
        const run = await watching;
        expect(run.stderr).toBe("");
        expect(run.code).toBe(0);
        const snapshots = run.stdout.split(/^(?=sessionkv watch )/m).filter((s) => s.length > 0);
        expect(snapshots.length).toBeGreaterThanOrEqual(3);
        expect(snapshots[0]).toContain("s-4");
        expect(snapshots.at(-1)).not.toContain("s-4");
        expect(snapshots.at(-1)).toContain("s-3");
        // The URL names the store in the title; it carries no password here, and is shown as given.
        expect(snapshots[0]).toContain(`sessionkv watch ${url}`);
      });

      it("drain --yes --wait: the node shows draining, refuses new sessions; the other one still takes them", async () => {
        const run = await cli(on("drain", "node-b", "--yes", "--wait", "--timeout", "20000"));
        expect(run.stderr).toBe("");
        expect(run.code).toBe(0);
        expect(run.stdout).toMatch(/^draining: node node-b, after \d+ ms\n$/);
        expect(hosts?.b.draining).toBe(true);
        await expect(hosts?.b.add("call-3", "s-5", observed({}))).rejects.toMatchObject({
          code: "ERR_DRAINING",
        });
        await hosts?.a.add("call-3", "s-6", observed({}));
        const nodes = await cli(on("nodes", "--json"));
        expect(
          JSON.parse(nodes.stdout).nodes.map(
            (n: { nodeId: string; draining: boolean }) => `${n.nodeId}:${n.draining}`,
          ),
        ).toEqual(["node-a:false", "node-b:true"]);
      });

      it("an unreachable server: one line with ERR_STORE_UNAVAILABLE, exit 1", async () => {
        const run = await cli(["sessions", "--url", backend.url(server(), await freePort())], {
          timeoutMs: 30_000,
        });
        expect(run.stdout).toBe("");
        expect(run.code).toBe(1);
        expect(run.stderr).toMatch(/^sessionkv: ERR_STORE_UNAVAILABLE: [^\n]+\n$/);
      });
    });
  });
}

describe("redis credentials", () => {
  forEachTarget(BACKENDS.redis?.targets ?? [], { run: gate.run }, ({ server }) => {
    it("a password the server refuses: ERR_STORE_MISCONFIGURED, exit 1, the password in no output", async () => {
      const password = "s3cret%2Fpw0rd";
      const url = `redis://nobody:${password}@${server().host}:${server().port}`;
      for (const command of [["sessions"], ["nodes", "--json"], ["close", "c", "s", "--yes"]]) {
        const run = await cli([...command, "--url", url]);
        expect(run.code).toBe(1);
        expect(run.stdout).toBe("");
        expect(run.stderr).toMatch(/^sessionkv: ERR_STORE_MISCONFIGURED: [^\n]+\n$/);
        for (const secret of [password, decodeURIComponent(password), "s3cret"])
          expect(run.stderr).not.toContain(secret);
      }
      const watch = await cli(["watch", "--url", url, "--count", "1"]);
      expect(watch.code).toBe(1);
      expect(watch.stderr).not.toContain("s3cret");
    });
  });
});
