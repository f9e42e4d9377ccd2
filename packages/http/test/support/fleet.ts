import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("./node-process.mjs", import.meta.url));

export interface FleetNode {
  readonly nodeId: string;
  readonly url: string;
  /** Every line the process printed so far. */
  readonly lines: string[];
  /** Resolves with the first line (past or future) matching, or rejects after `timeoutMs`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGKILL: a crash, nothing removed; its records expire on the TTL. */
  kill(): Promise<void>;
  /** SIGTERM: the process stops its host (closing its sessions) and exits. */
  stop(): Promise<void>;
}

export interface FleetOptions {
  readonly redisUrl: string;
  readonly keyPrefix: string;
  readonly ttlMs: number;
  readonly intervalMs: number;
  readonly lockedCall?: string;
  readonly lockedNode?: string;
}

/** Starts one node process and waits for it to listen. */
export async function startNode(nodeId: string, options: FleetOptions): Promise<FleetNode> {
  const child = spawn(process.execPath, [script], {
    env: {
      ...process.env,
      REDIS_URL: options.redisUrl,
      KEY_PREFIX: options.keyPrefix,
      NODE_ID: nodeId,
      TTL_MS: String(options.ttlMs),
      INTERVAL_MS: String(options.intervalMs),
      ...(options.lockedCall ? { LOCKED_CALL: options.lockedCall } : {}),
      ...(options.lockedNode ? { LOCKED_NODE: options.lockedNode } : {}),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: string[] = [];
  const waiters = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();
  createInterface({ input: child.stdout! }).on("line", (line) => {
    lines.push(line);
    for (const w of waiters) {
      if (w.pattern.test(line)) {
        waiters.delete(w);
        w.resolve(line);
      }
    }
  });
  const waitForLine = (pattern: RegExp, timeoutMs = 20_000) => {
    const seen = lines.find((l) => pattern.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const waiter = {
        pattern,
        resolve: (line: string) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(
          new Error(
            `node ${nodeId} printed no line matching ${pattern} in ${timeoutMs} ms; it printed ${JSON.stringify(lines)}`,
          ),
        );
      }, timeoutMs);
      waiters.add(waiter);
    });
  };
  const listening = await Promise.race([
    waitForLine(/^listening \d+$/),
    once(child, "exit").then(([code]) => {
      throw new Error(`node ${nodeId} exited with ${code} before listening`);
    }),
  ]);
  const port = Number(listening.split(" ")[1]);
  return {
    nodeId,
    url: `http://127.0.0.1:${port}`,
    lines,
    waitForLine,
    kill: () => end(child, "SIGKILL"),
    stop: () => end(child, "SIGTERM"),
  };
}

async function end(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill(signal);
  await exited;
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
