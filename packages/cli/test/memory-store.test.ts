import { describe, expect, it } from "vitest";
import { FLEET, cli } from "./cli.js";

// Every command through `--store` with an in-memory fleet (test/fixtures/memory-fleet.mjs): two
// hosts in the CLI's own process, node-a with call-1/agent-1 and call-2/agent-3, node-b with
// call-1/agent-2. README, "Commands" and "Errors and exit codes".
const STORE = ["--store", FLEET];

describe("sessions", () => {
  it("lists every call's sessions with node, age and metrics", async () => {
    const run = await cli(["sessions", ...STORE]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^CALL\s+SESSION\s+NODE\s+AGE\s+METRICS UPDATED\s+METRICS$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 3).join(" "))).toEqual([
      "call-1 agent-1 node-a",
      "call-1 agent-2 node-b",
      "call-2 agent-3 node-a",
    ]);
    expect(lines[1]).toMatch(/\b\d+s\b.*latency_ms=412\.5 turns=3$/);
    expect(lines[2]).toMatch(/errors=- turns=1$/);
    expect(run.stderr).toBe("");
  });

  it("--call and --node narrow the list; --json is the registry's SessionInfo with ageMs", async () => {
    const run = await cli(["sessions", ...STORE, "--call", "call-1", "--node", "node-b", "--json"]);
    expect(run.code).toBe(0);
    const { sessions } = JSON.parse(run.stdout);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({
      callId: "call-1",
      sessionId: "agent-2",
      nodeId: "node-b",
      metrics: { turns: 1, errors: null },
    });
    expect(sessions[0].ageMs).toBeGreaterThanOrEqual(0);
    expect(sessions[0].startedAt).toBeGreaterThan(Date.now() - 60_000);
  });

  it("an empty selection says so, in a table and in JSON", async () => {
    expect((await cli(["sessions", ...STORE, "--call", "no-such-call"])).stdout).toBe("no sessions\n");
    expect(JSON.parse((await cli(["sessions", ...STORE, "--node", "nobody", "--json"])).stdout)).toEqual({
      sessions: [],
    });
  });
});

describe("nodes", () => {
  it("lists every live node from its node record, the one hosting nothing included", async () => {
    const run = await cli(["nodes", ...STORE]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NODE\s+SESSIONS\s+DRAINING\s+UP\s+UPDATED\s+VERSION\s+LABELS$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/))).toEqual([
      [
        "node-a",
        "2",
        "no",
        expect.stringMatching(/^\d+s$/),
        expect.stringMatching(/^\d+s$/),
        "ago",
        expect.stringMatching(/^\d+\.\d+\.\d+/),
        "-",
      ],
      [
        "node-b",
        "1",
        "no",
        expect.stringMatching(/^\d+s$/),
        expect.stringMatching(/^\d+s$/),
        "ago",
        expect.stringMatching(/^\d+\.\d+\.\d+/),
        "zone=b",
      ],
      [
        "node-c",
        "0",
        "no",
        expect.stringMatching(/^\d+s$/),
        expect.stringMatching(/^\d+s$/),
        "ago",
        expect.stringMatching(/^\d+\.\d+\.\d+/),
        "-",
      ],
    ]);
  });

  it("--json is the registry's NodeInfo with the ages the table shows", async () => {
    const run = await cli(["nodes", ...STORE, "--json"]);
    const out = JSON.parse(run.stdout);
    expect(out.nodes.map((n: { nodeId: string; sessions: number }) => [n.nodeId, n.sessions])).toEqual([
      ["node-a", 2],
      ["node-b", 1],
      ["node-c", 0],
    ]);
    expect(out.nodes[1]).toMatchObject({
      draining: false,
      labels: { zone: "b" },
      version: expect.any(String),
    });
    expect(out.nodes[0].upMs).toBeGreaterThanOrEqual(0);
    expect(out.nodes[0].updatedAgeMs).toBeGreaterThanOrEqual(0);
    expect(out.nodes[0].startedAt).toBeLessThanOrEqual(out.nodes[0].updatedAt);
  });
});

describe("close", () => {
  it("without a terminal and without --yes: refused, exit 4, nothing written", async () => {
    const run = await cli(["close", "call-1", "agent-2", ...STORE, "--wait", "--timeout", "1500"]);
    expect(run.code).toBe(4);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^sessionkv: ERR_CONFIRMATION_REQUIRED: .*pass --yes\n$/);
  });

  it("--read-only refuses it even with --yes, exit 4", async () => {
    const run = await cli(["close", "call-1", "agent-2", ...STORE, "--yes", "--read-only"]);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/^sessionkv: ERR_READ_ONLY: /);
  });

  it("--yes --wait: the owner closes the session and the command reports it gone", async () => {
    const run = await cli(["close", "call-1", "agent-2", ...STORE, "--yes", "--wait", "--json"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({
      callId: "call-1",
      sessionId: "agent-2",
      nodeId: "node-b",
      requested: true,
      closed: true,
    });
    // Hosts cycle every 100 ms in the fixture: the close arrives within a few cycles.
    expect(out.waitedMs).toBeLessThan(5_000);
  });

  it("--yes without --wait: requested, not waited for", async () => {
    const run = await cli(["close", "call-1", "agent-1", ...STORE, "--yes"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      "close requested: call-1/agent-1 on node node-a (its owner closes it on its next cycle)\n",
    );
  });

  it("a session without a record: ERR_NOT_FOUND, exit 1", async () => {
    const run = await cli(["close", "call-1", "ghost", ...STORE, "--yes"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("sessionkv: ERR_NOT_FOUND: no session ghost of call call-1 in the store\n");
  });

  it("an id the registry refuses: ERR_INVALID_ARGUMENT, exit 2", async () => {
    const run = await cli(["close", "call-1", "", ...STORE, "--yes"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^sessionkv: ERR_INVALID_ARGUMENT: sessionId must not be empty\n$/);
  });
});

describe("drain", () => {
  it("--wait: the node shows draining on its next cycle; --json reports it", async () => {
    const run = await cli(["drain", "node-a", ...STORE, "--yes", "--wait", "--grace", "60000"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^draining: node node-a, after \d+ ms\n$/);
    const json = await cli(["drain", "node-b", ...STORE, "--yes", "--json"]);
    expect(JSON.parse(json.stdout)).toEqual({
      nodeId: "node-b",
      requested: true,
      graceMs: null,
      draining: null,
    });
  });

  it("a node with no record: ERR_NOT_FOUND, exit 1; bad --grace: exit 2; --read-only refuses it first", async () => {
    const missing = await cli(["drain", "nobody", ...STORE, "--yes"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^sessionkv: ERR_NOT_FOUND: no node nobody in the store/);
    const bad = await cli(["drain", "node-a", ...STORE, "--yes", "--grace", "soon"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^sessionkv: ERR_INVALID_ARGUMENT: --grace must be an integer >= 0/);
    expect((await cli(["drain", "node-a/x", ...STORE, "--yes"])).stderr).toMatch(
      /^sessionkv: ERR_INVALID_ARGUMENT: nodeId /,
    );
    expect((await cli(["drain", "node-a", ...STORE, "--read-only"])).stderr).toMatch(
      /^sessionkv: ERR_READ_ONLY: /,
    );
  });
});

describe("watch", () => {
  it("without a terminal prints one snapshot after another, and a close shows up", async () => {
    const run = await cli(["watch", ...STORE, "--interval", "250"], {
      env: { SESSIONKV_FIXTURE_CLOSE_AFTER_MS: "1000" },
      stopAfterMs: 3_000,
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const snapshots = run.stdout.split(/^(?=sessionkv watch )/m).filter((s) => s.length > 0);
    expect(snapshots.length).toBeGreaterThanOrEqual(3);
    expect(run.stdout).not.toContain("\x1b[");
    expect(snapshots[0]).toMatch(/3 session\(s\) on 3 node\(s\)/);
    expect(snapshots[0]).toContain("agent-2");
    const last = snapshots.at(-1) as string;
    expect(last).toMatch(/2 session\(s\) on 3 node\(s\)/);
    expect(last).not.toContain("agent-2");
    // node-b is alive, now hosting nothing.
    expect(last).toMatch(/^node-b\s+0\s+no\s/m);
  });

  it("--json --count: one JSON line per snapshot, then exits; --call narrows it", async () => {
    const run = await cli([
      "watch",
      ...STORE,
      "--json",
      "--count",
      "2",
      "--interval",
      "100",
      "--call",
      "call-2",
    ]);
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[1].at).toBeGreaterThanOrEqual(lines[0].at + 100);
    expect(lines[0].sessions.map((s: { sessionId: string }) => s.sessionId)).toEqual(["agent-3"]);
    // Nodes are every live node, whatever the --call.
    expect(lines[0].nodes).toMatchObject([
      { nodeId: "node-a", sessions: 2 },
      { nodeId: "node-b", sessions: 1 },
      { nodeId: "node-c", sessions: 0 },
    ]);
  });
});
