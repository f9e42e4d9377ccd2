import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { redisTargets, requireContainers } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import { describe, expect, it } from "vitest";
import { urlOf } from "./helpers.js";

// The root README's quick start is this file, run as a user would, against a real Redis.
const example = fileURLToPath(new URL("../examples/quick-start.mjs", import.meta.url));
const gate = await requireContainers();

describe("the root README", () => {
  it("shows the example verbatim, after its first comment line", () => {
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    const shown = readFileSync(example, "utf8").split("\n").slice(1).join("\n");
    expect(readme).toContain(`\`\`\`js\n${shown}\`\`\``);
  });
});

describe("examples/quick-start.mjs (the root README's example)", () => {
  // One server is enough: the example's behaviour does not depend on the server version.
  forEachTarget(redisTargets().slice(0, 1), { run: gate.run }, ({ server }) => {
    it("registers a session, lists it, closes it on request and exits on its own", async () => {
      const { stdout } = await promisify(execFile)(process.execPath, [example], {
        env: { ...process.env, REDIS_URL: urlOf(server()) },
        timeout: 30_000,
      });
      expect(stdout.trim().split("\n")).toEqual([
        'agent-1@node-a {"turns":3}',
        "agent-1 closed (close-requested)",
      ]);
    });
  });
});
