// `pnpm faults` interrupted (Ctrl-C): the containers it started are removed, not left behind
// (with local images no reaper would remove them). Under CI a missing runtime fails this file.
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { requireContainers } from "@sessionkv/test-kit";
import { describe, expect, it } from "vitest";

const gate = await requireContainers();
const packageDir = fileURLToPath(new URL("..", import.meta.url));

const exists = (id: string) => spawnSync("docker", ["inspect", id], { stdio: "ignore" }).status === 0;

describe.skipIf(!gate.run)("an interrupted fault run", () => {
  it("removes the containers it started on SIGINT, then exits with 130", { timeout: 180_000 }, async () => {
    const child = spawn(process.execPath, ["test/fixtures/interrupted-run.ts"], {
      cwd: packageDir,
      stdio: ["ignore", "pipe", "inherit"],
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const id = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes("\n")) resolve(out.trim());
      });
      void exited.then((code) => reject(new Error(`exited (${code}) before starting its server`)));
    });
    expect(exists(id)).toBe(true);
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(exists(id)).toBe(false);
  });
});
