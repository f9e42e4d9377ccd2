import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
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

describe("the core README", () => {
  it("shows the example verbatim", () => {
    const readme = readFileSync(new URL("../../packages/core/README.md", import.meta.url), "utf8");
    expect(readme).toContain(`\`\`\`js\n${readFileSync(example, "utf8")}\`\`\``);
  });
});

describe("the trap the example avoids (README: a bare await of a close)", () => {
  it("exits with code 13 when nothing but the host waits for a close", async () => {
    // The hosts' and the store's timers are unref'd, so the pending await alone cannot hold the process.
    const script = `
      import { SessionHost, SessionRegistry } from "@sessionkv/core";
      import { InMemorySessionKVStore } from "@sessionkv/memory";
      const store = new InMemorySessionKVStore();
      const host = new SessionHost({ registry: new SessionRegistry({ store, nodeId: "n", ttlMs: 1_500 }), maintenanceIntervalMs: 250 });
      await host.start();
      const { promise: closed, resolve } = Promise.withResolvers();
      await host.add("c", "s", { close: resolve });
      await store.set("close_requests/c/s", new Uint8Array(0), 1_500);
      await closed;
      console.log("closed");`;
    const outcome = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      timeout: 30_000,
    }).then(
      () => ({ code: 0 }),
      (error: { code?: number }) => ({ code: error.code }),
    );
    expect(outcome.code).toBe(13);
  });
});
