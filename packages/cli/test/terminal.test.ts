import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { BIN, FLEET, command } from "./cli.js";

// On a terminal: writes ask, and watch redraws in place. util-linux `script` gives the bin a
// pseudo-terminal; its -e returns the bin's exit status. It is part of util-linux, on every
// machine the project provisions: a missing one fails here rather than skipping the cases.
const script = execFileSync("sh", ["-c", "command -v script"], { encoding: "utf8" }).trim();
const onTerminal = (args: string, options: Parameters<typeof command>[2] = {}) =>
  command(
    script,
    ["-qec", `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} ${args}`, "/dev/null"],
    options,
  );

describe("on a terminal", () => {
  it("close asks, and y closes the session", async () => {
    const run = await onTerminal(`close call-1 agent-2 --store ${JSON.stringify(FLEET)} --wait`, {
      input: "y\n",
    });
    expect(run.stdout).toContain("Close session agent-2 of call call-1, hosted on node node-b? [y/N]");
    expect(run.stdout).toMatch(/closed: call-1\/agent-2 on node node-b, gone after \d+ ms/);
    expect(run.code).toBe(0);
  });

  it("close asks, and anything but y writes nothing: ERR_DECLINED, exit 4", async () => {
    const run = await onTerminal(`close call-1 agent-2 --store ${JSON.stringify(FLEET)}`, { input: "n\n" });
    expect(run.stdout).toContain("sessionkv: ERR_DECLINED: nothing written: not confirmed");
    expect(run.code).toBe(4);
  });

  it("watch redraws one table in place, and a close shows up in a later frame", async () => {
    const run = await onTerminal(`watch --store ${JSON.stringify(FLEET)} --interval 250 --count 10`, {
      env: { SESSIONKV_FIXTURE_CLOSE_AFTER_MS: "800" },
    });
    expect(run.code).toBe(0);
    const frames = run.stdout.split("\x1b[H\x1b[J").slice(1);
    expect(frames).toHaveLength(10);
    expect(frames[0]).toContain("agent-2");
    expect(frames[0]).toContain("Ctrl-C to stop");
    expect(frames.at(-1)).not.toContain("agent-2");
    // node-b stays listed, hosting nothing now.
    expect(frames.at(-1)).toMatch(/2 session\(s\) on 3 node\(s\)/);
    expect(frames.at(-1)).toMatch(/^node-b\s+0\s+no\s/m);
    // The cursor is hidden while drawing and given back at the end.
    expect(run.stdout).toContain("\x1b[?25l");
    expect(run.stdout.trimEnd().endsWith("\x1b[?25h")).toBe(true);
  });
});
