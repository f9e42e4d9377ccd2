// One node of a test fleet, as its own process: a Redis store, a registry, a SessionHost and the
// HTTP handler on node:http, on 127.0.0.1 and a free port. It prints "listening <port>" once up,
// and "closed <call>/<session> <reason>" when a session's own close runs, for the test to read.
// LOCKED_CALL names a call whose sessions may not be closed, LOCKED_NODE a node that may not be
// drained; every other node may be.
import { createServer } from "node:http";
import { SessionHost, SessionRegistry, silentLogger } from "@sessionkv/core";
import { createSessionHandler, toNodeListener } from "@sessionkv/http";
import { RedisSessionKVStore } from "@sessionkv/redis";

const env = process.env;
const store = new RedisSessionKVStore({ url: env.REDIS_URL, keyPrefix: env.KEY_PREFIX });
const registry = new SessionRegistry({
  store,
  nodeId: env.NODE_ID,
  ttlMs: Number(env.TTL_MS),
  logger: silentLogger,
});
const host = new SessionHost({
  registry,
  maintenanceIntervalMs: Number(env.INTERVAL_MS),
  labels: { fleet: "test" },
  logger: silentLogger,
});
await host.start();

const locked = env.LOCKED_CALL;
const lockedNode = env.LOCKED_NODE;
const handler = createSessionHandler({
  host,
  launch: (callId, body, { sessionId }) => {
    let turns = 0;
    const timer = setInterval(() => turns++, 100);
    return {
      close: (reason) => {
        clearInterval(timer);
        console.log(`closed ${callId}/${sessionId} ${reason}`);
      },
      metrics: () => ({ turns, call_type_length: body.call_type.length }),
    };
  },
  permissions: {
    ...(locked ? { canCloseSession: ({ callId }) => callId !== locked } : {}),
    canDrainNode: ({ nodeId }) => nodeId !== lockedNode,
  },
  dashboard: { writes: true, pollIntervalMs: 250 },
  logger: silentLogger,
});
const server = createServer(toNodeListener(handler));
server.listen(0, "127.0.0.1", () => console.log(`listening ${server.address().port}`));

process.on("SIGTERM", async () => {
  server.close();
  await host.stop();
  await registry.stop();
  await store.close();
  process.exit(0);
});
