import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The README's example is examples/serve.mjs, shown verbatim and run here as a user would.
const example = fileURLToPath(new URL("../examples/serve.mjs", import.meta.url));

describe("the README's example", () => {
  it("is shown verbatim, after its first comment line", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const shown = readFileSync(example, "utf8").split("\n").slice(1).join("\n");
    expect(readme).toContain(`\`\`\`js\n${shown}\`\`\``);
  });

  it("serves a start, the hook-guarded close and drain, the dashboard, and closes the session on SIGTERM", async () => {
    const child = spawn(process.execPath, [example], {
      env: { ...process.env, PORT: "0", OPS_TOKEN: "t0k3n" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
      const first = String((await lines.next()).value);
      const url = first.replace(/^listening on /, "").replace(/\/dashboard$/, "");
      const started = await fetch(`${url}/calls/call-1/sessions`, {
        method: "POST",
        body: '{"call_type":"demo"}',
      });
      expect(started.status).toBe(201);
      const { session_id } = await started.json();
      expect((await fetch(`${url}/calls/call-1/sessions/${session_id}`, { method: "DELETE" })).status).toBe(
        403,
      );
      expect((await fetch(`${url}/dashboard`)).status).toBe(200);
      const drain = (headers: Record<string, string>) =>
        fetch(`${url}/nodes/node-a/drain`, { method: "POST", headers });
      expect((await drain({})).status).toBe(403);
      expect((await drain({ authorization: "Bearer t0k3n" })).status).toBe(202);
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      expect(String((await lines.next()).value)).toBe(`${session_id} in call-1 (demo) closed: host-stopped`);
      expect((await exited)[0]).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
