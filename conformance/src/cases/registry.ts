import { SessionHost, SessionRegistry, closeRequestKey, silentLogger } from "@sessionkv/core";
import { interceptStore, recordingLogger } from "@sessionkv/core/testing";
import { assert, assertSameKeys, bytes, call, rejectsWithCode, sleep, text } from "../expect.js";
import { extended, timed, written } from "../stamps.js";
import type { ConformanceCase } from "../types.js";
import { nodeStores, pythonRecord } from "./registry-support.js";

const LONG_TTL_MS = 60_000;
const BAD_IDS: readonly unknown[] = ["", "a/b", "/", 42, null, undefined, "\uD800"];

function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

export const registryCases: ConformanceCase[] = [
  {
    id: "registry.shared-view",
    title: "three registries with different node ids on one store see each other's sessions",
    async run(context) {
      const stores = await nodeStores(context, 3);
      const nodes = stores.map(
        (store, i) =>
          new SessionRegistry({ store, nodeId: `node-${i}`, ttlMs: LONG_TTL_MS, logger: silentLogger }),
      );
      await Promise.all(nodes.map((n) => n.start()));
      const call = "call 1 ✨:*?[x]";
      const before = Date.now();
      await Promise.all(nodes.flatMap((n, i) => [n.register(call, `s${i}a`), n.register(call, `s${i}b`)]));
      await nodes[0]!.register("call 10", "other-call");
      await nodes[0]!.register("call 1 ✨:*?[x]0", "prefix-sibling");
      const after = Date.now();
      for (const [i, node] of nodes.entries()) {
        const seen = await node.getForCall(call);
        assert.deepEqual(
          seen.map((s) => `${s.sessionId}@${s.nodeId}`).sort(),
          ["s0a@node-0", "s0b@node-0", "s1a@node-1", "s1b@node-1", "s2a@node-2", "s2b@node-2"],
          `getForCall seen from node-${i}`,
        );
        for (const s of seen) {
          assert.equal(s.callId, call);
          assert.deepEqual(s.metrics, {}, "fresh records have no metrics");
          assert.ok(
            s.startedAt >= before - 1 && s.startedAt <= after + 1,
            `startedAt ${s.startedAt} within [${before}, ${after}]`,
          );
          assert.ok(Math.abs(s.metricsUpdatedAt - s.startedAt) <= 1, "metricsUpdatedAt starts at startedAt");
        }
      }
      const fromOther = await nodes[2]!.get(call, "s0a");
      assert.equal(fromOther?.nodeId, "node-0", "get from another node");
      assert.equal(await nodes[1]!.get(call, "nobody"), null, "unknown session");

      await nodes[1]!.updateMetrics(call, "s1a", { turns: 4, latency_ms: 12.5, errors: null });
      const updated = await nodes[0]!.get(call, "s1a");
      assert.deepEqual(
        updated?.metrics,
        { turns: 4, latency_ms: 12.5, errors: null },
        "metrics visible on another node",
      );
      assert.ok(
        updated !== null && updated.metricsUpdatedAt >= updated.startedAt,
        "metricsUpdatedAt moves forward",
      );

      await nodes[2]!.requestClose(call, "s0b");
      const mine = new Map([
        ["s0a", call],
        ["s0b", call],
      ]);
      assert.deepEqual(await nodes[0]!.getCloseRequests(mine), ["s0b"], "close request seen by the owner");

      await nodes[0]!.remove(call, "s0b");
      assert.deepEqual(await nodes[0]!.getCloseRequests(mine), [], "remove clears the close flag");
      assert.equal(await nodes[1]!.get(call, "s0b"), null, "removed session gone for other nodes");
      await nodes[0]!.updateMetrics(call, "s0b", { turns: 1 });
      assert.equal(
        await nodes[2]!.get(call, "s0b"),
        null,
        "updateMetrics does not bring a removed session back",
      );
      assert.deepEqual(
        await nodes[0]!.refresh(mine),
        ["s0b"],
        "refresh reports the removed session as missing",
      );
      assert.equal((await nodes[1]!.getForCall(call)).length, 5, "five sessions left in the call");
      assert.deepEqual(
        (await nodes[1]!.getForCall("call 10")).map((s) => s.sessionId),
        ["other-call"],
        "calls do not leak into each other",
      );
    },
  },
  {
    id: "registry.refresh-heartbeat",
    title:
      "refresh keeps records past their TTL in 2 store calls and reports missing ones; unrefreshed records expire",
    async run({ store, timing, checkpoints }) {
      const ttlMs = Math.max(2_000, timing.shortTtlMs * 2);
      const registry = new SessionRegistry({ store, nodeId: "n", ttlMs, logger: silentLogger });
      await registry.start();
      const registered = await timed(() =>
        Promise.all(["alive", "lost", "left"].map((id) => registry.register("c", id))),
      );
      let alive = written(registered.stamp, ttlMs);
      await store.delete(["sessions/c/lost"]);
      const heartbeat = new Map([
        ["alive", "c"],
        ["lost", "c"],
      ]);
      const first = await checkpoints.stillThere(
        "the deleted record is reported",
        alive,
        () => registry.refresh(heartbeat),
        (missing) => assert.deepEqual(missing, ["lost"], "the deleted record is reported"),
      );
      // Each refresh moves the proof forward only if it provably beat the TTL it extends.
      alive = extended(alive, first.stamp, ttlMs);
      const end = registered.stamp.resolvedAt + timing.goneByMs(ttlMs);
      while (performance.now() < end) {
        await sleep(Math.min(ttlMs / 4, Math.max(0, end - performance.now())));
        alive = extended(alive, (await timed(() => registry.refresh(heartbeat))).stamp, ttlMs);
      }
      await checkpoints.stillThere(
        "the refreshed record outlived its TTL",
        alive,
        () => registry.get("c", "alive"),
        (info) => assert.ok(info !== null, "the refreshed record outlived its TTL"),
      );
      await checkpoints.gone(
        registered.stamp,
        ttlMs,
        () => registry.get("c", "left"),
        (info) => assert.equal(info, null, "the record nobody refreshed expired"),
      );
      await checkpoints.stillThere(
        "listing",
        alive,
        () => registry.getForCall("c"),
        (listed) =>
          assert.deepEqual(
            listed.map((s) => s.sessionId),
            ["alive"],
            "listing",
          ),
      );
      assert.deepEqual(await registry.refresh(new Map()), [], "empty refresh");
    },
  },
  {
    id: "registry.metrics-never-resurrect",
    title: "updateMetrics racing remove never brings the session back",
    async run({ store }) {
      const registry = new SessionRegistry({ store, nodeId: "n", ttlMs: LONG_TTL_MS, logger: silentLogger });
      await registry.start();
      for (let round = 0; round < 30; round++) {
        const id = `s${round}`;
        await registry.register("c", id);
        const race = [registry.updateMetrics("c", id, { round }), registry.remove("c", id)];
        await Promise.all(round % 2 === 0 ? race : race.reverse());
        assert.equal(await registry.get("c", id), null, `round ${round}: session resurrected`);
      }
      assertSameKeys(await store.keys("sessions/"), [], "no session record left");
    },
  },
  {
    id: "registry.python-records",
    title:
      "records written by the Python original read correctly and keep unknown fields through updateMetrics",
    async run({ store }) {
      const registry = new SessionRegistry({
        store,
        nodeId: "ts-node",
        ttlMs: LONG_TTL_MS,
        logger: silentLogger,
      });
      await registry.start();
      await store.set(
        "sessions/call-py/sess-py",
        pythonRecord("call-py", "sess-py", `, "region": "eu-west-1", "tags": ["a", 1]`),
        LONG_TTL_MS,
      );
      const info = await registry.get("call-py", "sess-py");
      assert.deepEqual(info, {
        sessionId: "sess-py",
        callId: "call-py",
        nodeId: "py-node-1",
        startedAt: 1763716274.123456 * 1000,
        metricsUpdatedAt: 1763716279.5 * 1000,
        metrics: { llm_latency_ms: 412.5, turns: 3, stt_errors: null, vendor_x_score: 0.25 },
      });
      await registry.updateMetrics("call-py", "sess-py", { turns: 4 });
      const raw = JSON.parse(text(await store.get("sessions/call-py/sess-py")) ?? "null") as Record<
        string,
        unknown
      >;
      assert.equal(raw.region, "eu-west-1", "unknown field kept");
      assert.deepEqual(raw.tags, ["a", 1], "unknown field kept");
      assert.equal(raw.started_at, 1763716274.123456, "started_at kept exactly");
      assert.equal(raw.node_id, "py-node-1", "owner kept");
      assert.deepEqual(raw.metrics, { turns: 4 }, "metrics replaced");
      assert.ok(
        typeof raw.metrics_updated_at === "number" && raw.metrics_updated_at > 1763716279.5,
        "metrics_updated_at in seconds, moved forward",
      );
    },
  },
  {
    id: "registry.corrupt-records",
    title: "corrupt and foreign records under sessions/ are skipped and reported, never fatal",
    async run({ store }) {
      const logger = recordingLogger();
      const registry = new SessionRegistry({ store, nodeId: "n", ttlMs: LONG_TTL_MS, logger });
      await registry.start();
      await registry.register("c", "good");
      await store.set("sessions/c/python", pythonRecord("c", "python"), LONG_TTL_MS);
      const bad: Record<string, Uint8Array> = {
        "sessions/c/not-json": bytes("{session_id: nope"),
        "sessions/c/not-utf8": new Uint8Array([0xff, 0xfe, 0x7b]),
        "sessions/c/array": bytes("[1, 2]"),
        "sessions/c/empty": new Uint8Array(0),
        "sessions/c/missing-fields": bytes('{"session_id": "missing-fields", "call_id": "c"}'),
        "sessions/c/wrong-types": bytes(
          '{"session_id": "wrong-types", "call_id": "c", "node_id": 7, "started_at": "yesterday"}',
        ),
        "sessions/c/impostor": pythonRecord("c", "someone-else"),
        "sessions/c/nested/deeper": pythonRecord("c", "nested"),
        "sessions/c/": pythonRecord("c", ""),
      };
      await store.mset(Object.entries(bad).map(([key, value]) => ({ key, value, ttlMs: LONG_TTL_MS })));
      const listed = await registry.getForCall("c");
      assert.deepEqual(
        listed.map((s) => s.sessionId).sort(),
        ["good", "python"],
        "only readable records are listed",
      );
      assert.equal(
        logger.warnings.length,
        Object.keys(bad).length,
        `one report per skipped record: ${logger.warnings.join(" | ")}`,
      );
      for (const key of Object.keys(bad)) {
        assert.ok(
          logger.warnings.some((w) => w.includes(JSON.stringify(key))),
          `report names ${key}`,
        );
      }
      for (const id of [
        "not-json",
        "not-utf8",
        "array",
        "empty",
        "missing-fields",
        "wrong-types",
        "impostor",
      ]) {
        assert.equal(await registry.get("c", id), null, `get of ${id}`);
      }
      const missing = await registry.refresh(
        new Map([
          ["good", "c"],
          ["impostor", "c"],
          ["not-json", "c"],
        ]),
      );
      assert.deepEqual(
        missing.sort(),
        ["impostor", "not-json"],
        "unreadable own records count as missing, so their owner rewrites them",
      );
      await registry.updateMetrics("c", "not-json", { x: 1 });
      assert.equal(
        text(await store.get("sessions/c/not-json")),
        "{session_id: nope",
        "updateMetrics leaves an unreadable record alone",
      );
    },
  },
  {
    id: "registry.invalid-arguments",
    title:
      "bad ids, TTLs, intervals and options reject with ERR_INVALID_ARGUMENT naming the parameter, before any I/O",
    async run({ store }) {
      const registry = new SessionRegistry({ store, nodeId: "n", ttlMs: LONG_TTL_MS, logger: silentLogger });
      await registry.start();
      const named = async (work: () => Promise<unknown>, parameter: string, what: string): Promise<void> => {
        await rejectsWithCode(call(work), "ERR_INVALID_ARGUMENT", what);
        const message = await call(work).then(
          () => "",
          (error: unknown) => (error as Error).message,
        );
        assert.ok(
          message.includes(parameter),
          `${what}: message ${JSON.stringify(message)} names ${parameter}`,
        );
      };
      const one = (id: unknown) => id as string;
      for (const bad of BAD_IDS) {
        const label = show(bad);
        await named(() => registry.register(one(bad), "s"), "callId", `register callId ${label}`);
        await named(() => registry.register("c", one(bad)), "sessionId", `register sessionId ${label}`);
        await named(() => registry.get(one(bad), "s"), "callId", `get callId ${label}`);
        await named(() => registry.get("c", one(bad)), "sessionId", `get sessionId ${label}`);
        await named(() => registry.remove("c", one(bad)), "sessionId", `remove sessionId ${label}`);
        await named(() => registry.getForCall(one(bad)), "callId", `getForCall ${label}`);
        await named(
          () => registry.updateMetrics(one(bad), "s", {}),
          "callId",
          `updateMetrics callId ${label}`,
        );
        await named(
          () => registry.requestClose("c", one(bad)),
          "sessionId",
          `requestClose sessionId ${label}`,
        );
        await named(
          () => registry.refresh(new Map([[one(bad), "c"]])),
          "sessions",
          `refresh sessionId ${label}`,
        );
        await named(
          () => registry.getCloseRequests(new Map([["s", one(bad)]])),
          "sessions",
          `getCloseRequests callId ${label}`,
        );
      }
      await named(
        () => registry.refresh({ s: "c" } as unknown as Map<string, string>),
        "sessions",
        "refresh of a plain object",
      );
      await named(
        () => registry.updateMetrics("c", "s", { x: "1" } as unknown as Record<string, number>),
        "metrics.x",
        "string metric",
      );
      await named(
        () => registry.updateMetrics("c", "s", null as unknown as Record<string, number>),
        "metrics",
        "null metrics",
      );
      for (const ttlMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, "1000"]) {
        await named(
          async () => new SessionRegistry({ store, ttlMs: ttlMs as number }),
          "ttlMs",
          `ttlMs ${show(ttlMs)}`,
        );
      }
      await named(async () => new SessionRegistry({ store, nodeId: "" }), "nodeId", "empty nodeId");
      await named(async () => new SessionRegistry({ store: {} as never }), "store", "not a store");
      for (const interval of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
        await named(
          async () => new SessionHost({ registry, maintenanceIntervalMs: interval }),
          "maintenanceIntervalMs",
          `interval ${interval}`,
        );
      }
      const tight = new SessionRegistry({ store, ttlMs: 10_000, logger: silentLogger });
      await named(
        async () => new SessionHost({ registry: tight, maintenanceIntervalMs: 5_000 }),
        "registry.ttlMs",
        "ttl = 2 × interval",
      );
      await named(
        async () => new SessionHost({ registry: tight, maintenanceIntervalMs: 5_000 }),
        "maintenanceIntervalMs",
        "ttl = 2 × interval",
      );
      new SessionHost({ registry: tight, maintenanceIntervalMs: 4_999 });
      const host = new SessionHost({ registry, maintenanceIntervalMs: 1_000, logger: silentLogger });
      await host.start();
      await named(() => host.add("a/b", "s", { close() {} }), "callId", "host.add callId");
      await named(() => host.add("c", "", { close() {} }), "sessionId", "host.add sessionId");
      await named(() => host.add("c", "s", {} as never), "session", "host.add without close");
      await named(() => host.requestClose("c", "x/y"), "sessionId", "host.requestClose");
      await host.stop();
      assertSameKeys(await store.keys(""), [], "nothing was written");
      await registry.stop();
      await rejectsWithCode(
        call(() => registry.get("c", "s")),
        "ERR_NOT_RUNNING",
        "registry used after stop()",
      );
      await rejectsWithCode(
        call(() => host.add("c", "s", { close() {} })),
        "ERR_NOT_RUNNING",
        "host used after stop()",
      );
    },
  },
  {
    id: "registry.impossible-ids",
    title:
      "ids too long for any key reject with ERR_INVALID_ARGUMENT on every registry and host call, with no store I/O",
    async run({ store, capabilities }) {
      const operations: string[] = [];
      const watched = interceptStore(store, (operation) => {
        operations.push(operation);
      });
      const registry = new SessionRegistry({
        store: watched,
        nodeId: "n",
        ttlMs: LONG_TTL_MS,
        logger: silentLogger,
      });
      // No cycle of the host's own may reach the store while the calls are watched: none is due
      // within the interval, and push close (whose subscription runs a cycle) is off.
      const host = new SessionHost({
        registry,
        maintenanceIntervalMs: 20_000,
        pushClose: false,
        logger: silentLogger,
      });
      await host.start();
      // The longest key of a session is its close flag's; a call id one byte past fitting even
      // the shortest session id (one character) names no key this store could hold.
      const room = capabilities.maxKeyBytes - closeRequestKey("", "").length;
      const longCall = "c".repeat(room);
      const longSession = "s".repeat(room);
      const withoutIo = async (what: string, work: () => Promise<unknown>): Promise<void> => {
        operations.length = 0;
        await rejectsWithCode(call(work), "ERR_INVALID_ARGUMENT", what);
        assert.deepEqual(operations, [], `${what}: store operations before the rejection`);
      };
      const close = { close() {} };
      try {
        await withoutIo("getForCall", () => registry.getForCall(longCall));
        await withoutIo("register callId", () => registry.register(longCall, "s"));
        await withoutIo("register sessionId", () => registry.register("c", longSession));
        await withoutIo("get", () => registry.get(longCall, "s"));
        await withoutIo("remove", () => registry.remove("c", longSession));
        await withoutIo("removeMany", () => registry.removeMany(new Map([["s", longCall]])));
        await withoutIo("removeOwned", () =>
          registry.removeOwned([{ callId: longCall, sessionId: "s", startedAt: 1 }]),
        );
        await withoutIo("updateMetrics", () => registry.updateMetrics(longCall, "s", {}));
        await withoutIo("requestClose", () => registry.requestClose("c", longSession));
        await withoutIo("refresh", () => registry.refresh(new Map([[longSession, "c"]])));
        await withoutIo("getCloseRequests", () => registry.getCloseRequests(new Map([["s", longCall]])));
        await withoutIo("poll", () => registry.poll(new Map([[longSession, "c"]])));
        await withoutIo("publish", () =>
          registry.publish([{ callId: longCall, sessionId: "s", startedAt: 1, metrics: {}, previous: null }]),
        );
        await withoutIo("host.add", () => host.add(longCall, "s", close));
        await withoutIo("host.remove", () => host.remove("c", longSession));
        await withoutIo("host.requestClose", () => host.requestClose(longCall, "s"));
        // One byte shorter fits a one-character session id: a real, empty listing.
        operations.length = 0;
        assert.deepEqual(
          await registry.getForCall(longCall.slice(1)),
          [],
          "the longest possible call id lists",
        );
        assert.deepEqual(operations, ["keys"], "the longest possible call id is listed on the server");
      } finally {
        await host.stop();
      }
    },
  },
];
