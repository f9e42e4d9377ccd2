import { execFile } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type StartedServer, requireContainers, startRedis } from "@sessionkv/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const readme = fileURLToPath(new URL("../../../conformance/README.md", import.meta.url));
const examples = fileURLToPath(new URL("../examples/", import.meta.url));

/** The job of the README's "In your CI" section: its env and its `run:` commands, in order. */
async function readmeJob(): Promise<{ env: Record<string, string>; commands: string[] }> {
  const text = await readFile(readme, "utf8");
  const section = text.slice(text.indexOf("### In your CI"));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  if (yaml === undefined) throw new Error("conformance/README.md has no GitHub Actions job");
  const envBlock = /^ {4}env:\n((?: {6}.+\n)+)/m.exec(yaml)?.[1] ?? "";
  const env = Object.fromEntries(
    [...envBlock.matchAll(/^ {6}(\w+): (.+)$/gm)].map((m) => [m[1]!, m[2]!.trim()] as const),
  );
  const commands = [...yaml.matchAll(/^ {6}- run: (.+)$/gm)].map((m) => m[1]!.trim());
  return { env, commands };
}

const gate = await requireContainers();

describe.skipIf(!gate.run)("the conformance README's GitHub Actions job, on the Redis store", () => {
  let server: StartedServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
    await rm(new URL("../examples/reports/", import.meta.url), { recursive: true, force: true });
  });

  it("passes, writes its JUnit report and exits although the module's client stays open", async () => {
    const job = await readmeJob();
    // The install step is the workspace's own (`pnpm install`); every other command runs as written.
    expect(job.commands[0]).toBe("npm ci");
    expect(job.commands.length).toBeGreaterThan(1);
    expect(Object.keys(job.env)).toEqual(["REDIS_URL"]);
    for (const command of job.commands.slice(1)) {
      const { stdout } = await run("sh", ["-c", command], {
        cwd: examples,
        // The service container's address, replaced by the local container's.
        env: { ...process.env, REDIS_URL: server.url ?? "" },
        timeout: 110_000,
      });
      expect(stdout).toMatch(/^\d+ passed, 0 failed/m);
    }
    const report = await readFile(new URL("../examples/reports/conformance.xml", import.meta.url), "utf8");
    expect(report).toMatch(/<testsuites name="sessionkv-conformance" tests="\d+" failures="0"/);
  });
});
