// A node process that drains on SIGTERM, the normal deploy sequence: stop taking sessions, give
// the running ones a grace period to end, close the rest with reason "drain", then stop.
// Run: REDIS_URL=redis://127.0.0.1:6379 node examples/drain-on-sigterm.mjs (after `pnpm build`),
// then `kill -TERM <pid>`. Any backend works the same way; `sessionkv nodes` shows it draining.
import { ErrorCode, SessionHost, SessionRegistry, isSessionKVError } from "@sessionkv/core";
import { RedisSessionKVStore } from "@sessionkv/redis";

const env = (name, fallback) => process.env[name] ?? fallback;
const store = new RedisSessionKVStore({
  url: env("REDIS_URL", "redis://127.0.0.1:6379"),
  keyPrefix: env("KEY_PREFIX", ""),
});
const host = new SessionHost({
  registry: new SessionRegistry({
    store,
    nodeId: env("NODE_ID", `node-${process.pid}`),
    ttlMs: Number(env("TTL_MS", "30000")),
  }),
  maintenanceIntervalMs: Number(env("INTERVAL_MS", "5000")),
  labels: { role: "example" },
});
const graceMs = Number(env("GRACE_MS", "10000"));
await host.start();

// Stands in for the calls a real server receives: one new session every second, each running
// until it is closed.
let next = 0;
const incoming = setInterval(async () => {
  const id = `agent-${++next}`;
  try {
    await host.add("demo-call", id, { close: (reason) => console.log(`${id} closed (${reason})`) });
    console.log(`${id} started`);
  } catch (error) {
    if (!isSessionKVError(error, ErrorCode.DRAINING)) throw error;
    // Where a real server would answer "try another node" (an HTTP 503, a SIP 503, a redirect).
    console.log(`${id} refused: ${error.code}`);
  }
}, 1_000);
console.log(`ready: node ${host.registry.nodeId}, pid ${process.pid}`);

process.once("SIGTERM", async () => {
  console.log("SIGTERM: draining");
  // Resolves once every session ended on its own or, at the end of the grace period, was closed.
  await host.drain({ graceMs });
  console.log("drained");
  clearInterval(incoming);
  await host.stop();
  await store.close();
  console.log("stopped");
});
