import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The built bin, run as an operator runs it: argument parsing, exit status and output included. */
export const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
export const FLEET = fileURLToPath(new URL("./fixtures/memory-fleet.mjs", import.meta.url));

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Sent to stdin, which is then closed. */
  readonly input?: string;
  /** SIGTERM after this long (for `watch`); the run is still expected to exit by itself. */
  readonly stopAfterMs?: number;
  readonly timeoutMs?: number;
}

export function cli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return command(process.execPath, [BIN, ...args], options);
}

/** Any command, for `script` (a pseudo-terminal) around the bin. */
export function command(file: string, args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...args], {
      cwd: options.cwd ?? PACKAGE_DIR,
      env: { ...withoutNodePath(process.env), SESSIONKV_URL: "", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.stdin.end(options.input ?? "");
    const stop =
      options.stopAfterMs === undefined
        ? undefined
        : setTimeout(() => child.kill("SIGTERM"), options.stopAfterMs);
    const limit = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `${args.join(" ")} did not exit within ${options.timeoutMs ?? 60_000} ms: ${stdout} ${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(limit);
      if (stop !== undefined) clearTimeout(stop);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * pnpm runs scripts with NODE_PATH pointing into the workspace's store, which would let a
 * directory outside any project resolve every backend: the bin must see what an operator's shell
 * sees.
 */
function withoutNodePath(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_PATH: _, ...rest } = env;
  return rest;
}
