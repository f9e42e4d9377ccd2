import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FLEET, cli } from "./cli.js";

// README, "Errors and exit codes": one line with the code, never a stack, never a URL's password.
function oneErrorLine(stderr: string, code: string): void {
  expect(stderr).toMatch(new RegExp(`^sessionkv: ${code}: [^\\n]+\\n$`));
  expect(stderr).not.toMatch(/\bat .*:\d+:\d+/);
}

describe("help and version", () => {
  it("--help, help and no command print the usage, exit 0", async () => {
    for (const args of [["--help"], ["help"], [], ["sessions", "-h"]]) {
      const run = await cli(args);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Usage: sessionkv <command>/);
      expect(run.stdout).toContain("Exit status: 0 done");
    }
  });

  it("--version prints the package's version", async () => {
    const run = await cli(["--version"]);
    expect(run.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describe("bad command lines: ERR_INVALID_ARGUMENT, exit 2", () => {
  const cases: [string, string[], RegExp][] = [
    [
      "an unknown command",
      ["list", "--store", FLEET],
      /command "list" is not one of sessions, nodes, close, drain, watch/,
    ],
    ["an unknown option", ["sessions", "--store", FLEET, "--colour"], /arguments Unknown option '--colour'/],
    ["an option of another command", ["nodes", "--store", FLEET, "--wait"], /--wait does not apply to nodes/],
    ["missing operands", ["close", "call-1", "--store", FLEET], /close takes CALL SESSION, got 1 operand/],
    ["extra operands", ["sessions", "extra", "--store", FLEET], /sessions takes no operands/],
    ["no store", ["sessions"], /--url or --store is required/],
    ["both --url and --store", ["sessions", "--store", FLEET, "--url", "redis://127.0.0.1:1"], /exclusive/],
    [
      "a bad --timeout",
      ["close", "c", "s", "--store", FLEET, "--timeout", "soon"],
      /--timeout must be a positive integer/,
    ],
    [
      "a bad --interval",
      ["watch", "--store", FLEET, "--interval", "0"],
      /--interval must be a positive integer/,
    ],
    [
      "an unknown scheme",
      ["sessions", "--url", "postgres://u:hunter22@127.0.0.1/db"],
      /unknown scheme "postgres:\/\/"/,
    ],
    [
      "http:// (etcd takes etcd://)",
      ["sessions", "--url", "http://127.0.0.1:2379"],
      /unknown scheme "http:\/\/"/,
    ],
    [
      "several hosts on redis://",
      ["sessions", "--url", "redis://127.0.0.1:1,127.0.0.1:2"],
      /use redis\+cluster/,
    ],
    [
      "sentinel without a master name",
      ["sessions", "--url", "redis+sentinel://127.0.0.1:26379"],
      /master's name/,
    ],
    ["a port out of range", ["sessions", "--url", "memcached://127.0.0.1:99999"], /port out of range/],
    [
      "etcd with a user and no password",
      ["sessions", "--url", "etcd://root@127.0.0.1:2379"],
      /both a user and a password/,
    ],
    [
      "an unknown dynamodb parameter",
      ["sessions", "--url", "dynamodb://t?regoin=x"],
      /unknown parameter "regoin"/,
    ],
    ["not a URL", ["sessions", "--url", "127.0.0.1:6379"], /is not a URL/],
  ];
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const run = await cli(args);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe("");
      oneErrorLine(run.stderr, "ERR_INVALID_ARGUMENT");
      expect(run.stderr).toMatch(message);
    });
  }

  it("a bad URL's password is masked in the message", async () => {
    const run = await cli(["sessions", "--url", "postgres://admin:hunter22@127.0.0.1/db"]);
    expect(run.stderr).toContain("postgres://admin:***@127.0.0.1/db");
    expect(run.stderr).not.toContain("hunter22");
  });
});

describe("the backend package comes from the current project", () => {
  let empty: string;
  beforeAll(async () => {
    empty = await mkdtemp(join(tmpdir(), "sessionkv-cli-empty-"));
  });
  afterAll(() => rm(empty, { recursive: true, force: true }));

  for (const [url, name] of [
    ["memcached://127.0.0.1:11211", "@sessionkv/memcached"],
    ["redis://:pw-not-shown@127.0.0.1:6379", "@sessionkv/redis"],
    ["redis+cluster://127.0.0.1:7000,127.0.0.1:7001", "@sessionkv/redis"],
    ["etcd://127.0.0.1:2379", "@sessionkv/etcd"],
    ["dynamodb://sessions?region=eu-west-1", "@sessionkv/dynamodb"],
  ] as const) {
    it(`${url.split(":")[0]}:// without ${name}: says what to install, exit 3`, async () => {
      const run = await cli(["sessions", "--url", url], { cwd: empty });
      expect(run.code).toBe(3);
      oneErrorLine(run.stderr, "ERR_BACKEND_MISSING");
      expect(run.stderr).toContain(`npm install ${name}`);
      expect(run.stderr).not.toContain("pw-not-shown");
    });
  }

  it("SESSIONKV_URL stands in for --url", async () => {
    const run = await cli(["nodes"], { cwd: empty, env: { SESSIONKV_URL: "memcached://127.0.0.1:11211" } });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("npm install @sessionkv/memcached");
  });
});

describe("--store modules", () => {
  it("a module that cannot be loaded: ERR_STORE_MODULE, exit 3", async () => {
    const run = await cli(["sessions", "--store", "./no-such-module.mjs"]);
    expect(run.code).toBe(3);
    oneErrorLine(run.stderr, "ERR_STORE_MODULE");
  });

  it("a module without a factory: ERR_STORE_MODULE, exit 3", async () => {
    const run = await cli(["sessions", "--store", "./test/cli.ts"]);
    expect(run.code).toBe(3);
    oneErrorLine(run.stderr, "ERR_STORE_MODULE");
    expect(run.stderr).toContain("must default-export a function");
  });
});
