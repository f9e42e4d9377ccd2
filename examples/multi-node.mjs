// Three nodes sharing one store, in one process: sessions visible everywhere, closed from any
// node, and gone by themselves when their node dies. Run: node examples/multi-node.mjs
// (after `pnpm build`). In production each SessionHost lives in its own process and the store is
// Redis, DynamoDB, etcd or Memcached; nothing else changes.
import { SessionHost, SessionRegistry } from "@sessionkv/core";
import { InMemorySessionKVStore } from "@sessionkv/memory";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const store = new InMemorySessionKVStore();

// Short times so the example finishes in a few seconds; the defaults are 30 s and 5 s.
const ttlMs = 1_500;
const maintenanceIntervalMs = 250;
const [a, b, c] = ["node-a", "node-b", "node-c"].map(
  (nodeId) =>
    new SessionHost({ registry: new SessionRegistry({ store, nodeId, ttlMs }), maintenanceIntervalMs }),
);
await Promise.all([a.start(), b.start(), c.start()]);

// A session handed to a host (a `HostedSession`): close(reason) with a `CloseReason` of
// "close-requested", "host-stopped" or "drain", and optional metrics(). `closed` settles when it
// is closed.
const agent = (name) => {
  const { promise: closed, resolve } = Promise.withResolvers();
  return {
    closed,
    close: async (reason) => {
      console.log(`${name} closed (${reason})`);
      resolve(performance.now());
    },
    metrics: () => ({ turns: 3, latency_ms: 412.5 }),
  };
};
const agent1 = agent("agent-1");
await a.add("call-1", "agent-1", agent1);
await a.add("call-1", "agent-2", agent("agent-2"));
await b.add("call-1", "agent-3", agent("agent-3"));

// Sorted by session id: getForCall orders by start time, and these sessions start in the same
// millisecond on different nodes.
const listing = async () =>
  (await c.registry.getForCall("call-1"))
    .map((s) => `${s.sessionId}@${s.nodeId}`)
    .sort()
    .join(", ");
console.log(`node-c sees: ${await listing()}`);

// Close a session that runs on node A from node C: a flag in the store, which A reads at once
// when rung (push close: this store has notifications), else on its next cycle.
const requested = performance.now();
await c.requestClose("call-1", "agent-1");
// The hosts' and the store's timers are unref'd: they never keep a process alive. With nothing
// else open (no server, no socket), a bare `await agent1.closed` lets Node exit with code 13
// ("unsettled top-level await") before the close arrives. Hold a handle while waiting.
const keepAlive = setInterval(() => {}, 1_000);
const closedAt = await agent1.closed;
clearInterval(keepAlive);
console.log(
  `close requested on node-c took ${Math.round(closedAt - requested)} ms to reach node-a (interval ${maintenanceIntervalMs} ms)`,
);
await sleep(50);
console.log(`node-c sees: ${await listing()}`);

// Node B dies without cleanup: its session stops being refreshed and expires on the TTL.
await b.abandon();
const crashed = performance.now();
while ((await listing()).includes("agent-3")) await sleep(50);
console.log(
  `node-b crashed; its session vanished after ${Math.round(performance.now() - crashed)} ms (TTL ${ttlMs} ms)`,
);
console.log(`node-c sees: ${await listing()}`);

// stop() closes and removes what a node still runs. Each object is closed by whoever created it:
// hosts, then registries, then the store.
await Promise.all([a.stop(), c.stop()]);
console.log(`after stop: ${JSON.stringify(await listing())}`);
await Promise.all([a, b, c].map((host) => host.registry.stop()));
await store.close();
