import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

/**
 * A third party's store, written outside the repo: a plain object implementing the interface
 * directly (no base class, no sessionkv import), with its own errors carrying the codes.
 * `BROKEN=keys-glob` makes it treat the prefix as a glob, as some real adapters do.
 */
const THIRD_PARTY_STORE = String.raw`
class CodedError extends Error { constructor(code, message) { super(message); this.code = code; } }
const MAX_VALUE = 1 << 20, MAX_KEY = 1024;
function checkKey(k) {
  if (typeof k !== "string" || k.length === 0 || !k.isWellFormed() || Buffer.byteLength(k) > MAX_KEY) throw new CodedError("ERR_INVALID_ARGUMENT", "bad key");
}
function checkTtl(t) { if (typeof t !== "number" || !Number.isFinite(t) || t <= 0) throw new CodedError("ERR_INVALID_ARGUMENT", "bad ttl"); }
function checkValue(v) {
  if (!(v instanceof Uint8Array)) throw new CodedError("ERR_INVALID_ARGUMENT", "bad value");
  if (v.byteLength > MAX_VALUE) throw new CodedError("ERR_VALUE_TOO_LARGE", "too large");
}
function checkKeys(ks) { if (!Array.isArray(ks)) throw new CodedError("ERR_INVALID_ARGUMENT", "bad keys"); ks.forEach(checkKey); }
export default function createStore() {
  const data = new Map();
  let state = "new";
  const ready = () => {
    if (state === "closed") throw new CodedError("ERR_STORE_CLOSED", "closed");
    if (state !== "started") throw new CodedError("ERR_STORE_NOT_STARTED", "not started");
  };
  const live = (k) => { const e = data.get(k); if (e && e.until > Date.now()) return e; data.delete(k); return undefined; };
  const put = (k, v, t) => data.set(k, { v: v.slice(), until: Date.now() + t });
  const glob = process.env.BROKEN === "keys-glob";
  const store = {
    capabilities: { ttlResolutionMs: 1, minTtlMs: 1, expiryLagMs: 0, maxValueBytes: MAX_VALUE, maxKeyBytes: MAX_KEY },
    async start() { if (state === "closed") throw new CodedError("ERR_STORE_CLOSED", "closed"); state = "started"; },
    async close() { state = "closed"; data.clear(); },
    async [Symbol.asyncDispose]() { await store.close(); },
    async set(k, v, t, o) {
      checkKey(k); checkValue(v); checkTtl(t);
      if (o !== undefined && (o === null || typeof o !== "object" || (o.onlyIfExists !== undefined && typeof o.onlyIfExists !== "boolean"))) throw new CodedError("ERR_INVALID_ARGUMENT", "bad options");
      ready();
      if (o?.onlyIfExists && !live(k)) return;
      put(k, v, t);
    },
    async mset(es) {
      if (!Array.isArray(es)) throw new CodedError("ERR_INVALID_ARGUMENT", "bad entries");
      for (const e of es) { if (!e || typeof e !== "object") throw new CodedError("ERR_INVALID_ARGUMENT", "bad entry"); checkKey(e.key); checkValue(e.value); checkTtl(e.ttlMs); }
      ready();
      for (const e of es) put(e.key, e.value, e.ttlMs);
    },
    async get(k) { checkKey(k); ready(); return live(k)?.v.slice() ?? null; },
    async mget(ks) { checkKeys(ks); ready(); return ks.map((k) => live(k)?.v.slice() ?? null); },
    async expire(ks, t) { checkKeys(ks); checkTtl(t); ready(); for (const k of ks) { const e = live(k); if (e) e.until = Date.now() + t; } },
    async keys(p) {
      if (typeof p !== "string" || !p.isWellFormed()) throw new CodedError("ERR_INVALID_ARGUMENT", "bad prefix");
      ready();
      const match = glob ? (k) => new RegExp("^" + p.replaceAll("*", ".*").replaceAll("?", ".")).test(k) : (k) => k.startsWith(p);
      return [...data.keys()].filter((k) => live(k) && match(k));
    },
    async delete(ks) { checkKeys(ks); ready(); for (const k of ks) data.delete(k); },
  };
  return store;
}
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sessionkv-third-party-"));
  await writeFile(join(dir, "my-store.mjs"), THIRD_PARTY_STORE);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cliRun(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], {
      cwd: dir,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("sessionkv-conformance CLI", () => {
  it("validates a store module written outside the repo, implementing the interface directly", async () => {
    const { code, stdout } = await cliRun(["--store", "./my-store.mjs"]);
    expect(stdout).toMatch(/✓ lifecycle\.before-start/);
    expect(stdout).toMatch(/^\d+ passed, 0 failed$/m);
    expect(code).toBe(0);
  });

  it("exits non-zero when a case fails, and names the case", async () => {
    const { code, stdout } = await cliRun(["--store", "./my-store.mjs"], { BROKEN: "keys-glob" });
    expect(stdout).toMatch(/✗ listing\.literal-metacharacters/);
    expect(stdout).toMatch(/^\d+ passed, [1-9]\d* failed$/m);
    expect(code).toBe(1);
  });

  it("prints a JSON report with --json and honours --filter", async () => {
    const { code, stdout } = await cliRun(["--store", "./my-store.mjs", "--json", "--filter", "mget."]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      passed: number;
      failed: number;
      skipped: number;
      cases: { id: string; status: string }[];
    };
    expect(report.failed).toBe(0);
    expect(report.cases.length).toBeGreaterThan(0);
    expect(report.cases.every((c) => c.id.startsWith("mget.") && c.status === "passed")).toBe(true);
    expect(report.passed).toBe(report.cases.length);
  });

  it("rejects a missing --store, a module without a factory and a filter that matches nothing", async () => {
    const missing = await cliRun(["--filter", "ttl."]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^--store is required/);
    await writeFile(join(dir, "not-a-store.mjs"), "export const x = 1;\n");
    expect((await cliRun(["--store", "./not-a-store.mjs"])).code).toBe(2);
    expect((await cliRun(["--store", "./my-store.mjs", "--filter", "no-such-case"])).code).toBe(1);
    expect((await cliRun(["--bogus"])).code).toBe(2);
  });
});
