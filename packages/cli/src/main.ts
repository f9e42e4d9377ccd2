import { readFileSync } from "node:fs";
import { SessionRegistry } from "@sessionkv/core";
import { type Invocation, USAGE, parseInvocation } from "./args.js";
import { type OpenedStore, openBackendStore } from "./backend.js";
import { closeCommand } from "./commands/close.js";
import { drainCommand } from "./commands/drain.js";
import { nodesCommand } from "./commands/nodes.js";
import { sessionsCommand } from "./commands/sessions.js";
import { watchCommand } from "./commands/watch.js";
import { confirmWrite } from "./confirm.js";
import type { CommandContext } from "./context.js";
import { CliError, CliErrorCode, errorLine, exitCodeOf, oneLine } from "./errors.js";
import { openStoreModule } from "./store-module.js";
import { displayUrl, parseStoreUrl, urlSecrets } from "./store-url.js";

/** The process's streams and environment, so that `run` can be driven from a test or an embedder. */
export interface CliIo {
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly env: NodeJS.ProcessEnv;
}

// The CLI writes nothing but close and drain flags, and those carry their target, not this id.
const CLI_NODE_ID = "sessionkv-cli";
const WRITES = new Set(["close", "drain"]);

/** Runs one command line (without `node` and the script) and resolves with the exit status. */
export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const secrets = argv
    .flatMap((arg) => urlSecrets(arg.replace(/^--url=/, "")))
    .concat(urlSecrets(io.env.SESSIONKV_URL ?? ""));
  let opened: OpenedStore | undefined;
  let registry: SessionRegistry | undefined;
  try {
    const invocation = parseInvocation(argv, io.env);
    if (invocation.command === "help") {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (invocation.command === "version") {
      io.stdout.write(`${version()}\n`);
      return 0;
    }
    if (WRITES.has(invocation.command) && invocation.readOnly)
      throw new CliError(
        CliErrorCode.READ_ONLY,
        `${invocation.command} writes to the store, and --read-only is set`,
      );
    opened = await open(invocation);
    const warn = (message: string) => io.stderr.write(`sessionkv: warning: ${oneLine(message, secrets)}\n`);
    registry = new SessionRegistry({
      store: opened.store,
      nodeId: CLI_NODE_ID,
      logger: { warn, error: warn },
    });
    await registry.start();
    const ctx: CommandContext = {
      invocation,
      registry,
      storeLabel: invocation.url === undefined ? `--store ${invocation.store}` : displayUrl(invocation.url),
      stdout: io.stdout,
      stderr: io.stderr,
      confirm: (question) =>
        confirmWrite(question, { yes: invocation.yes, stdin: io.stdin, stderr: io.stderr }),
      warn,
    };
    switch (invocation.command) {
      case "sessions":
        return await sessionsCommand(ctx);
      case "nodes":
        return await nodesCommand(ctx);
      case "close":
        return await closeCommand(ctx);
      case "drain":
        return await drainCommand(ctx);
      case "watch":
        return await watchCommand(ctx, secrets);
    }
    throw new CliError(CliErrorCode.UNSUPPORTED, `no command ${invocation.command}`);
  } catch (error) {
    io.stderr.write(`${errorLine(error, secrets)}\n`);
    return exitCodeOf(error);
  } finally {
    await registry?.stop();
    // A store that cannot close cleanly (its server gone) must not turn a result into a failure.
    await opened?.close().catch(() => undefined);
  }
}

async function open(invocation: Invocation): Promise<OpenedStore> {
  if (invocation.store !== undefined) return openStoreModule(invocation.store, invocation.prefix);
  return openBackendStore(parseStoreUrl(invocation.url as string), invocation.prefix);
}

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return manifest.version;
}

function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
}
