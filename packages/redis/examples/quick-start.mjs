// The root README's first example: one node with a Redis store, a registry and a host.
import { SessionHost, SessionRegistry } from "@sessionkv/core";
import { RedisSessionKVStore } from "@sessionkv/redis";

const store = new RedisSessionKVStore({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" });
const registry = new SessionRegistry({ store, nodeId: "node-a" });
const host = new SessionHost({ registry }); // heartbeats, heals and closes this node's sessions
await host.start(); // starts the registry, which starts the store

await host.add("call-1", "agent-1", {
  close: async (reason) => console.log(`agent-1 closed (${reason})`),
  metrics: () => ({ turns: 3 }),
});
const seen = await registry.getForCall("call-1"); // the same answer on every node
console.log(seen.map((s) => `${s.sessionId}@${s.nodeId} ${JSON.stringify(s.metrics)}`).join(", "));
await host.requestClose("call-1", "agent-1"); // any node may ask; the owner closes it

await host.stop(); // then close what you created, in reverse order
await registry.stop();
await store.close();
