import { randomUUID } from "node:crypto";
import { redisTargets, requireContainers } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import { expect, it } from "vitest";
import type { NodeBody } from "../src/index.js";
import { type FleetNode, eventually, startNode } from "./support/fleet.js";

// Three node processes, each a SessionHost and the HTTP handler on node:http, sharing one real
// Redis: what an operator sees from any node, and a close or a crash seen from the others.
const gate = await requireContainers();

// Short enough for a crash to show within seconds; the host needs ttlMs > 2 × the interval.
const TTL_MS = 3000;
const INTERVAL_MS = 300;

type Listed = { session_id: string; call_id: string; node_id: string; metrics?: Record<string, number> };

forEachTarget(redisTargets().slice(0, 1), { run: gate.run }, ({ server, track }) => {
  async function fleet(ids: readonly string[]): Promise<FleetNode[]> {
    const options = {
      redisUrl: server().url!,
      keyPrefix: `http-${randomUUID()}:`,
      ttlMs: TTL_MS,
      intervalMs: INTERVAL_MS,
    };
    const nodes = await Promise.all(ids.map((id) => startNode(id, options)));
    for (const node of nodes) track(node, (n) => n.kill());
    return nodes;
  }

  async function start(node: FleetNode, callId: string): Promise<string> {
    const response = await fetch(`${node.url}/calls/${callId}/sessions`, {
      method: "POST",
      body: JSON.stringify({ call_type: "default" }),
    });
    expect(response.status).toBe(201);
    return (await response.json()).session_id;
  }

  const sessionsSeenBy = async (node: FleetNode): Promise<Listed[]> =>
    (await (await fetch(`${node.url}/sessions`)).json()).sessions;

  it("every node lists every node's sessions, and reads a session and its metrics it does not own", async () => {
    const [a, b, c] = (await fleet(["node-a", "node-b", "node-c"])) as [FleetNode, FleetNode, FleetNode];
    const onA = await start(a, "call-1");
    const onB = await start(b, "call-1");
    const onC = await start(c, "call-2");
    for (const node of [a, b, c]) {
      const seen = await sessionsSeenBy(node);
      expect(new Set(seen.map((s) => `${s.node_id}:${s.call_id}/${s.session_id}`))).toEqual(
        new Set([`node-a:call-1/${onA}`, `node-b:call-1/${onB}`, `node-c:call-2/${onC}`]),
      );
    }
    const call1 = await (await fetch(`${c.url}/calls/call-1/sessions`)).json();
    expect(call1.sessions.map((s: Listed) => s.node_id).sort()).toEqual(["node-a", "node-b"]);
    const one = await (await fetch(`${c.url}/calls/call-1/sessions/${onA}`)).json();
    expect(one).toMatchObject({ session_id: onA, call_id: "call-1", node_id: "node-a" });
    // The owner's cycles publish the metrics its session reports; any node reads them.
    const metrics = await eventually("node-a's metrics, read on node-c", async () => {
      const body = await (await fetch(`${c.url}/calls/call-1/sessions/${onA}/metrics`)).json();
      return body.metrics.turns > 0 ? body : undefined;
    });
    expect(metrics.metrics.call_type_length).toBe("default".length);
    // A node record's count is the one its last cycle wrote.
    const nodes = await eventually("every node's count on node-b", async () => {
      const listed: NodeBody[] = (await (await fetch(`${b.url}/nodes`)).json()).nodes;
      return listed.every((n) => n.session_count === 1) ? listed : undefined;
    });
    expect(nodes.map((n) => [n.node_id, n.session_count, n.draining, n.this_node])).toEqual([
      ["node-a", 1, false, false],
      ["node-b", 1, false, true],
      ["node-c", 1, false, false],
    ]);
  });

  it("a node hosting nothing is listed; a drain asked over HTTP makes it refuse sessions and close the rest", async () => {
    const [a, b] = (await fleet(["node-a", "node-b"])) as [FleetNode, FleetNode];
    const idle = (await (await fetch(`${a.url}/nodes`)).json()).nodes as NodeBody[];
    expect(idle.map((n) => [n.node_id, n.session_count, n.draining])).toEqual([
      ["node-a", 0, false],
      ["node-b", 0, false],
    ]);
    const nodeB = idle[1] as NodeBody;
    expect(nodeB.labels).toEqual({ fleet: "test" });
    expect(nodeB.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Date.parse(nodeB.started_at)).toBeLessThanOrEqual(Date.parse(nodeB.updated_at));
    expect(nodeB.this_node).toBe(false);

    const id = await start(b, "call-1");
    const asked = await fetch(`${a.url}/nodes/node-b/drain`, {
      method: "POST",
      body: JSON.stringify({ grace_ms: 300 }),
    });
    expect(asked.status).toBe(202);
    await eventually("node-b draining, seen from node-a", async () => {
      const listed: NodeBody[] = (await (await fetch(`${a.url}/nodes`)).json()).nodes;
      return listed.find((n) => n.node_id === "node-b")?.draining ? true : undefined;
    });
    const refused = await fetch(`${b.url}/calls/call-2/sessions`, { method: "POST" });
    expect(refused.status).toBe(503);
    expect((await refused.json()).error.code).toBe("ERR_DRAINING");
    // The grace period the body named: node-b closes what is left with "drain".
    await b.waitForLine(new RegExp(`^closed call-1/${id} drain$`));
    expect(b.lines.filter((l) => l.startsWith("closed ") && !l.includes(id))).toEqual([]);
    expect((await fetch(`${a.url}/calls/call-2/sessions`, { method: "POST" })).status).toBe(201);
    expect((await fetch(`${a.url}/nodes/node-x/drain`, { method: "POST" })).status).toBe(404);
  });

  it("a close asked of any node (DELETE, or the sendBeacon POST) ends the session on its owner", async () => {
    const [a, b, c] = (await fleet(["node-a", "node-b", "node-c"])) as [FleetNode, FleetNode, FleetNode];
    const first = await start(a, "call-1");
    const second = await start(b, "call-1");
    expect((await fetch(`${c.url}/calls/call-1/sessions/${first}`, { method: "DELETE" })).status).toBe(202);
    expect((await fetch(`${a.url}/calls/call-1/sessions/${second}/close`, { method: "POST" })).status).toBe(
      202,
    );
    await a.waitForLine(new RegExp(`^closed call-1/${first} close-requested$`));
    await b.waitForLine(new RegExp(`^closed call-1/${second} close-requested$`));
    await eventually("both sessions gone from node-c's listing", async () =>
      (await sessionsSeenBy(c)).length === 0 ? true : undefined,
    );
    expect((await fetch(`${c.url}/calls/call-1/sessions/${first}`)).status).toBe(404);
    expect((await fetch(`${c.url}/calls/call-1/sessions/${first}`, { method: "DELETE" })).status).toBe(404);
  });

  it("a killed node's sessions, and the node, leave every listing once their records expire", async () => {
    const [a, b] = (await fleet(["node-a", "node-b"])) as [FleetNode, FleetNode];
    await start(a, "call-1");
    const lost = await start(b, "call-1");
    await b.kill();
    const killedAt = Date.now();
    expect((await sessionsSeenBy(a)).map((s) => s.session_id)).toContain(lost);
    await eventually("node-b's session gone from node-a's listing", async () =>
      (await sessionsSeenBy(a)).some((s) => s.node_id === "node-b") ? undefined : true,
    );
    // Not before the record's TTL: the crash removed nothing, the record expired.
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(TTL_MS - INTERVAL_MS - 200);
    // node-b's node record expires on the same TTL, refreshed in the same cycles.
    await eventually("node-b gone from node-a's node list", async () => {
      const nodes: NodeBody[] = (await (await fetch(`${a.url}/nodes`)).json()).nodes;
      return nodes.map((n) => n.node_id).join() === "node-a" ? true : undefined;
    });
    expect(b.lines.some((l) => l.startsWith("closed"))).toBe(false);
  });

  it("a node stopped with SIGTERM closes its sessions (host-stopped) and removes them at once", async () => {
    const [a, b] = (await fleet(["node-a", "node-b"])) as [FleetNode, FleetNode];
    const id = await start(b, "call-1");
    await b.stop();
    expect(b.lines).toContain(`closed call-1/${id} host-stopped`);
    expect(await sessionsSeenBy(a)).toEqual([]);
  });
});
