import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { SessionRegistry, silentLogger } from "@sessionkv/core";
import { waitFor } from "@sessionkv/core/testing";
import { RedisSessionKVStore } from "@sessionkv/redis";
import { redisTargets, requireContainers } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import { describe, expect, it } from "vitest";

// The example as an operator runs it: its own process on a Redis server, then SIGTERM.
const gate = await requireContainers();
const example = fileURLToPath(new URL("../drain-on-sigterm.mjs", import.meta.url));
const INTERVAL_MS = 250;
const GRACE_MS = 1_500;

/** The child's stdout lines as they arrive, each with the time it was read. */
function linesOf(child: ChildProcess): { text: string; at: number }[] {
  const lines: { text: string; at: number }[] = [];
  let partial = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop() ?? "";
    for (const text of parts) lines.push({ text, at: Date.now() });
  });
  return lines;
}

describe("examples/drain-on-sigterm.mjs", () => {
  forEachTarget(redisTargets().slice(0, 1), { run: gate.run }, ({ server, track }) => {
    it("on SIGTERM drains: draining listed, new sessions refused (ERR_DRAINING), the rest closed after the grace period, exit 0", async () => {
      const url = server().url as string;
      const keyPrefix = `drain-example-${process.pid}:`;
      const store = track(new RedisSessionKVStore({ url, keyPrefix }));
      const viewer = new SessionRegistry({ store, ttlMs: 30_000, logger: silentLogger });
      await viewer.start();
      const child = spawn(process.execPath, [example], {
        env: {
          ...process.env,
          REDIS_URL: url,
          KEY_PREFIX: keyPrefix,
          NODE_ID: "sigterm-node",
          TTL_MS: "3000",
          INTERVAL_MS: String(INTERVAL_MS),
          GRACE_MS: String(GRACE_MS),
        },
        stdio: ["ignore", "pipe", "inherit"],
      });
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      const lines = linesOf(child);
      const saw = (pattern: RegExp) => lines.some((l) => pattern.test(l.text));
      try {
        await waitFor(() => saw(/^agent-2 started$/), 30_000, "two sessions started");
        await waitFor(
          async () => ((await viewer.getNodes())[0]?.sessions ?? 0) >= 2,
          10_000,
          "the node listed with its sessions",
        );
        expect(await viewer.getNodes()).toMatchObject([
          { nodeId: "sigterm-node", draining: false, labels: { role: "example" } },
        ]);
        const running = (await viewer.getForCall("demo-call")).length;
        const signalled = Date.now();
        child.kill("SIGTERM");
        await waitFor(() => saw(/^SIGTERM: draining$/), 5_000, "the drain began");
        await waitFor(
          async () => (await viewer.getNodes())[0]?.draining === true,
          INTERVAL_MS + 2_000,
          "draining: true listed",
        );
        await waitFor(() => saw(/^agent-\d+ refused: ERR_DRAINING$/), 5_000, "a new session refused");
        expect(await exited, "exit code").toBe(0);
        const texts = lines.map((l) => l.text);
        const closes = lines.filter((l) => / closed \(/.test(l.text));
        expect(closes.length, "every session that ran was closed").toBeGreaterThanOrEqual(running);
        for (const close of closes) {
          expect(close.text).toMatch(/^agent-\d+ closed \(drain\)$/);
          expect(close.at - signalled, "not before the grace period").toBeGreaterThanOrEqual(GRACE_MS);
        }
        expect(texts.slice(-2)).toEqual(["drained", "stopped"]);
        expect(await viewer.getNodes(), "the stopped node left the list").toEqual([]);
        expect(await viewer.getForCall("demo-call"), "its sessions were removed").toEqual([]);
      } finally {
        if (child.exitCode === null) child.kill("SIGKILL");
        await viewer.stop();
      }
    });
  });
});
