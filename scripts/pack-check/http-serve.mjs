// @sessionkv/http from its tarball beside core and memory: the README's node:http setup serves
// a start request, a read of that session and the dashboard page, over real HTTP on 127.0.0.1.
import assert from "node:assert";
import { createServer } from "node:http";
import { SessionHost, SessionRegistry } from "@sessionkv/core";
import { createSessionHandler, toNodeListener } from "@sessionkv/http";
import { InMemorySessionKVStore } from "@sessionkv/memory";

const store = new InMemorySessionKVStore();
const registry = new SessionRegistry({ store, nodeId: "pack-check" });
const host = new SessionHost({ registry });
await host.start();
const handler = createSessionHandler({ host, launch: () => ({ close() {} }) });
const server = createServer(toNodeListener(handler));
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${server.address().port}`;

const started = await fetch(`${url}/calls/call-1/sessions`, {
  method: "POST",
  body: '{"call_type":"default"}',
});
assert.strictEqual(started.status, 201);
const { session_id } = await started.json();
const read = await (await fetch(`${url}/calls/call-1/sessions/${session_id}`)).json();
assert.deepStrictEqual([read.call_id, read.node_id], ["call-1", "pack-check"]);
const page = await fetch(`${url}/dashboard`);
assert.strictEqual(page.status, 200);
assert.match(await page.text(), /<title>sessionkv fleet<\/title>/);

server.closeAllConnections();
server.close();
await host.stop();
await registry.stop();
await store.close();
console.log("pack-check: @sessionkv/http served a start, a read and the dashboard from its tarball");
