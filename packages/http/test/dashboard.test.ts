import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isCI, redisTargets, requireContainers } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import { type BrowserContext, chromium } from "playwright-core";
import { describe, expect, it } from "vitest";
import { type FleetNode, startNode } from "./support/fleet.js";
import { oneNode } from "./support/one-node.js";

// The dashboard in a real browser: Debian's Chromium (scripts/browser.sh installs it), driven by
// playwright-core, against node processes on one Redis. SESSIONKV_DASHBOARD_SCREENSHOT=path
// keeps the screenshot (the README's is packages/http/docs/dashboard.png). SESSIONKV_CHROMIUM
// names another build (GitHub's Ubuntu runners have Chrome, not Debian's package).
const CHROMIUM = process.env.SESSIONKV_CHROMIUM || "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
if (!existsSync(CHROMIUM) && isCI()) throw new Error(`${CHROMIUM} is missing: run scripts/browser.sh`);
const browserGate = existsSync(CHROMIUM);
if (!browserGate)
  console.warn(`[sessionkv] skipping the dashboard's browser tests: no ${CHROMIUM} (scripts/browser.sh)`);
const gate = await requireContainers();

/** A browser with a fresh profile of its own; removed with it. */
async function browser(): Promise<BrowserContext & AsyncDisposable> {
  const profile = await mkdtemp(join(tmpdir(), "sessionkv-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ARGS,
    headless: true,
    viewport: { width: 1280, height: 760 },
    timeout: 30_000,
  });
  return Object.assign(context, {
    async [Symbol.asyncDispose]() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  });
}

const WAIT = { timeout: 20_000 };

describe.skipIf(!browserGate)("the dashboard in Chromium", () => {
  it("is read-only by default: sessions listed, no close button", async () => {
    await using node = await oneNode();
    await fetch(`${node.url}/calls/call-1/sessions`, { method: "POST" });
    await using context = await browser();
    const page = await context.newPage();
    await page.goto(`${node.url}/dashboard`);
    await page.locator('[data-call="call-1"] tr[data-session]').first().waitFor(WAIT);
    expect(await page.locator("#mode").textContent()).toBe("read-only");
    expect(await page.locator("button[data-close]").count()).toBe(0);
    await page.locator('#nodes tr[data-node="node-a"]').waitFor(WAIT);
    expect(await page.locator("button[data-drain]").count()).toBe(0);
  });

  forEachTarget(redisTargets().slice(0, 1), { run: gate.run }, ({ server, track }) => {
    it("lists two nodes' sessions and an idle node, drains and closes from the page, and drops a killed node", async () => {
      const options = {
        redisUrl: server().url!,
        keyPrefix: `dash-${randomUUID()}:`,
        ttlMs: 3000,
        intervalMs: 300,
        lockedCall: "locked",
        lockedNode: "node-a",
      };
      const [a, b, c] = (await Promise.all(
        ["node-a", "node-b", "node-c"].map((id) => startNode(id, options)),
      )) as [FleetNode, FleetNode, FleetNode];
      for (const node of [a, b, c]) track(node, (n) => n.kill());
      const start = async (node: FleetNode, callId: string) =>
        (await (await fetch(`${node.url}/calls/${callId}/sessions`, { method: "POST", body: "{}" })).json())
          .session_id as string;
      const onA = await start(a, "standup");
      const onB = await start(b, "standup");
      const lockedOnB = await start(b, "locked");
      const onBToo = await start(b, "support");

      await using context = await browser();
      const page = await context.newPage();
      await page.goto(`${a.url}/dashboard`);
      const row = (id: string) => page.locator(`#by-call tr[data-session="${id}"]`);
      for (const id of [onA, onB, lockedOnB, onBToo]) await row(id).waitFor(WAIT);
      await page.locator('#nodes tr[data-node="node-b"]').waitFor(WAIT);
      expect(await page.locator("#served-by").textContent()).toBe("node-a");
      // node-c hosts nothing and is listed; the drain hook refuses node-a, so only it has no button.
      const nodeRow = (id: string) => page.locator(`#nodes tr[data-node="${id}"]`);
      await nodeRow("node-c").waitFor(WAIT);
      await page.locator('[data-node-sessions="node-c"]').waitFor(WAIT);
      await nodeRow("node-b").locator("button[data-drain]").waitFor(WAIT);
      expect(await nodeRow("node-c").locator("button[data-drain]").count()).toBe(1);
      expect(await nodeRow("node-a").locator("button[data-drain]").count()).toBe(0);
      // The close hook refuses the call "locked": the page asked, and shows no button there.
      expect(await row(lockedOnB).locator("button").count()).toBe(0);
      expect(await row(onB).locator("button").count()).toBe(1);
      // Metrics as the owner publishes them.
      await expect.poll(() => row(onB).textContent(), WAIT).toMatch(/turns=[1-9]/);
      await expect
        .poll(() => page.locator('[data-node-sessions="node-b"]').textContent(), WAIT)
        .toMatch(/turns=[1-9]/);
      const shot = await page.screenshot({ fullPage: true });
      expect([...shot.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      const keep = process.env.SESSIONKV_DASHBOARD_SCREENSHOT;
      if (keep) await writeFile(keep, shot);

      // A close from the page served by node-a ends node-b's session on node-b.
      await row(onB).locator("button").click();
      expect(await row(onB).locator("button").textContent()).toBe("confirm close");
      await row(onB).locator("button").click();
      await b.waitForLine(new RegExp(`^closed standup/${onB} close-requested$`));
      await row(onB).waitFor({ state: "detached", ...WAIT });
      expect(await row(onA).count()).toBe(1);

      // A drain from the page: node-c shows draining and refuses a session.
      await nodeRow("node-c").locator("button[data-drain]").click();
      expect(await nodeRow("node-c").locator("button[data-drain]").textContent()).toBe("confirm drain");
      await nodeRow("node-c").locator("button[data-drain]").click();
      await nodeRow("node-c").locator('[data-state="draining"]').waitFor(WAIT);
      expect(await nodeRow("node-c").locator("button[data-drain]").count()).toBe(0);
      expect(await nodeRow("node-b").locator('[data-state="active"]').count()).toBe(1);
      const refused = await fetch(`${c.url}/calls/standup/sessions`, { method: "POST" });
      expect(refused.status).toBe(503);
      expect((await refused.json()).error.code).toBe("ERR_DRAINING");

      // A crash: node-b's remaining sessions and node-b itself leave the page once their records expire.
      await b.kill();
      await row(lockedOnB).waitFor({ state: "detached", ...WAIT });
      await row(onBToo).waitFor({ state: "detached", ...WAIT });
      await page.locator('#nodes tr[data-node="node-b"]').waitFor({ state: "detached", ...WAIT });
      expect(await row(onA).count()).toBe(1);
      expect(await page.locator("#problem").textContent()).toBe("");
      expect(b.lines.filter((l) => l.startsWith("closed"))).toEqual([
        `closed standup/${onB} close-requested`,
      ]);
    });
  });
});
