// packages/http README's example: one node serving the runner's API and the dashboard.
import { createServer } from "node:http";
import { SessionHost, SessionRegistry } from "@sessionkv/core";
import { createSessionHandler, toNodeListener } from "@sessionkv/http";
import { InMemorySessionKVStore } from "@sessionkv/memory"; // a fleet shares a networked store

const store = new InMemorySessionKVStore();
const registry = new SessionRegistry({ store, nodeId: process.env.NODE_ID ?? "node-a" });
const host = new SessionHost({ registry });
await host.start();

const handler = createSessionHandler({
  host,
  // Starts your agent for POST /calls/{call}/sessions; the host registers what it returns.
  launch: async (callId, { call_type }, { sessionId }) => {
    const agent = { turns: 0 }; // your agent joins the call here
    return {
      close: async (reason) => console.log(`${sessionId} in ${callId} (${call_type}) closed: ${reason}`),
      metrics: () => ({ turns: agent.turns }),
    };
  },
  permissions: {
    // The original's hooks: return false for a 403, or a Response of your own.
    canCloseSession: ({ request }) =>
      request.headers.get("authorization") === `Bearer ${process.env.OPS_TOKEN}`,
    // Drain is refused unless this hook is given.
    canDrainNode: ({ request }) => request.headers.get("authorization") === `Bearer ${process.env.OPS_TOKEN}`,
  },
  dashboard: { writes: true }, // close and drain buttons where the hooks allow
});

const server = createServer(toNodeListener(handler));
server.listen(Number(process.env.PORT ?? 8000), "127.0.0.1", () =>
  console.log(`listening on http://127.0.0.1:${server.address().port}/dashboard`),
);
process.on("SIGTERM", async () => {
  server.close();
  await host.stop(); // closes this node's sessions ("host-stopped") and removes their records
  await registry.stop();
  await store.close();
});
