import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const example = fileURLToPath(new URL("../multi-node.mjs", import.meta.url));

describe("examples/multi-node.mjs (the README's multi-node example)", () => {
  it("runs: three nodes see each other, a close crosses nodes, a crashed node's session expires", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [example], { timeout: 30_000 });
    process.stdout.write(stdout);
    const lines = stdout.trim().split("\n");
    expect(lines[0]).toBe("node-c sees: agent-1@node-a, agent-2@node-a, agent-3@node-b");
    expect(lines[1]).toBe("agent-1 closed (close-requested)");
    expect(lines[2]).toMatch(/^close requested on node-c took \d+ ms to reach node-a \(interval 250 ms\)$/);
    expect(lines[3]).toBe("node-c sees: agent-2@node-a, agent-3@node-b");
    expect(lines[4]).toMatch(/^node-b crashed; its session vanished after \d+ ms \(TTL 1500 ms\)$/);
    expect(lines.slice(5)).toEqual([
      "node-c sees: agent-2@node-a",
      "agent-2 closed (host-stopped)",
      'after stop: ""',
    ]);
  });
});
