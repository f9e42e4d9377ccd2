import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

type Core = typeof import("../src/index.js");

const built = fileURLToPath(new URL("..", import.meta.url));
let dir: string;
let copies: [Core, Core];

// An application can resolve two copies of core (its own, and an older one a backend brought).
// Two installed copies of the built package, each at its own version and path, are two module
// instances with two SessionKVError classes, which is exactly that situation.
async function install(version: string): Promise<Core> {
  const root = join(dir, version, "node_modules", "@sessionkv", "core");
  await cp(join(built, "dist"), join(root, "dist"), { recursive: true });
  const manifest = JSON.parse(await readFile(join(built, "package.json"), "utf8")) as { version: string };
  await writeFile(join(root, "package.json"), JSON.stringify({ ...manifest, version }));
  return (await import(pathToFileURL(join(root, "dist", "index.js")).href)) as Core;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sessionkv-two-cores-"));
  copies = [await install("0.1.0"), await install("0.1.1")];
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("two copies of core side by side", () => {
  it("are two distinct classes", () => {
    expect(copies[0].SessionKVError).not.toBe(copies[1].SessionKVError);
  });

  it("recognise each other's errors with isSessionKVError, with and without a code", () => {
    for (const [from, to] of [copies, [copies[1], copies[0]]] as const) {
      const error = new from.SessionKVError(from.ErrorCode.STORE_UNAVAILABLE, "down");
      expect(to.isSessionKVError(error)).toBe(true);
      expect(to.isSessionKVError(error, to.ErrorCode.STORE_UNAVAILABLE)).toBe(true);
      expect(to.isSessionKVError(error, to.ErrorCode.STORE_CLOSED)).toBe(false);
    }
  });

  it("recognise each other's errors with instanceof", () => {
    const [a, b] = copies;
    expect(new a.SessionKVError(a.ErrorCode.NOT_RUNNING, "x")).toBeInstanceOf(b.SessionKVError);
    expect(new b.SessionKVError(b.ErrorCode.NOT_RUNNING, "x")).toBeInstanceOf(a.SessionKVError);
  });

  it("recognise an error that the other copy's code throws", () => {
    const [a, b] = copies;
    let failure: unknown;
    try {
      new a.SessionRegistry({ store: {} as never, nodeId: "n", logger: a.silentLogger });
    } catch (error) {
      failure = error;
    }
    expect(b.isSessionKVError(failure, b.ErrorCode.INVALID_ARGUMENT)).toBe(true);
    expect(failure).toBeInstanceOf(b.SessionKVError);
  });

  it("do not take look-alikes for errors: a plain Error with a code, or an object", () => {
    const [a] = copies;
    const lookalike = Object.assign(new Error("x"), { name: "SessionKVError", code: "ERR_STORE_CLOSED" });
    expect(a.isSessionKVError(lookalike)).toBe(false);
    expect(lookalike instanceof a.SessionKVError).toBe(false);
    expect(a.isSessionKVError({ code: "ERR_STORE_CLOSED" })).toBe(false);
    expect(a.isSessionKVError(null)).toBe(false);
  });

  it("keep instanceof for subclasses a prototype check", () => {
    const [a] = copies;
    class Special extends a.SessionKVError {}
    expect(new Special(a.ErrorCode.STORE_CLOSED, "x")).toBeInstanceOf(a.SessionKVError);
    expect(new a.SessionKVError(a.ErrorCode.STORE_CLOSED, "x")).not.toBeInstanceOf(Special);
  });
});
