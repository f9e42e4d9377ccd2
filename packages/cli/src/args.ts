import { parseArgs } from "node:util";
import { invalidArgument } from "@sessionkv/core/store-kit";

export const USAGE = `Usage: sessionkv <command> [arguments] (--url <url> | --store <module>) [options]

Commands:
  sessions [--call C] [--node N]   sessions with their node, age and metrics
  nodes                            every live node: sessions, draining, age, version, labels
  close CALL SESSION [--wait]      ask the session's owner to close it (a write)
  drain NODE [--grace MS] [--wait] ask the node to drain: no new sessions (a write)
  watch [--call C]                 the sessions and nodes, redrawn in place every --interval

Store:
  --url <url>          redis://, rediss://, redis+sentinel://, redis+cluster://, etcd://, etcds://,
                       memcached://, dynamodb://TABLE?region=…&endpoint=… (default: $SESSIONKV_URL)
  --store <module>     a module whose default export is ({ namespace }) => store
  --prefix <text>      the store's key prefix (default: the backend's own default)

Options:
  --json               JSON for scripts instead of tables (watch: one JSON line per snapshot)
  --yes                confirm writes without asking (required without a terminal)
  --read-only          refuse every write (close, drain)
  --timeout <ms>       how long --wait waits: close, for the session to be gone; drain, for
                       the node to show draining (default 30000)
  --grace <ms>         drain: close the node's sessions (reason "drain") this long after it
                       drains (default: they run until they end)
  --interval <ms>      watch: time between snapshots (default 2000)
  --count <n>          watch: stop after n snapshots (default: until Ctrl-C)
  -h, --help           this text
  --version            the CLI's version

Exit status: 0 done, 1 the store or the operation failed, 2 bad arguments or URL,
3 a backend package or store module is missing, 4 a write refused (read-only, no --yes, declined).`;

type Command = "sessions" | "nodes" | "close" | "drain" | "watch";

export interface Invocation {
  readonly command: Command | "help" | "version";
  readonly positionals: readonly string[];
  readonly url: string | undefined;
  readonly store: string | undefined;
  readonly prefix: string | undefined;
  readonly call: string | undefined;
  readonly node: string | undefined;
  readonly json: boolean;
  readonly yes: boolean;
  readonly readOnly: boolean;
  readonly wait: boolean;
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly count: number | undefined;
  readonly graceMs: number | undefined;
}

const OPTIONS = {
  url: { type: "string" },
  store: { type: "string" },
  prefix: { type: "string" },
  call: { type: "string" },
  node: { type: "string" },
  json: { type: "boolean", default: false },
  yes: { type: "boolean", default: false },
  "read-only": { type: "boolean", default: false },
  wait: { type: "boolean", default: false },
  timeout: { type: "string" },
  interval: { type: "string" },
  count: { type: "string" },
  grace: { type: "string" },
  help: { type: "boolean", short: "h", default: false },
  version: { type: "boolean", default: false },
} as const;

/** What each command takes beyond the store options, so a misplaced option is an error, not a no-op. */
const COMMANDS: Readonly<Record<Command, { operands: readonly string[]; options: readonly string[] }>> = {
  sessions: { operands: [], options: ["call", "node"] },
  nodes: { operands: [], options: [] },
  close: { operands: ["CALL", "SESSION"], options: ["wait", "timeout", "yes"] },
  drain: { operands: ["NODE"], options: ["grace", "wait", "timeout", "yes"] },
  watch: { operands: [], options: ["call", "interval", "count"] },
};
const COMMON = new Set(["url", "store", "prefix", "json", "read-only", "help", "version"]);

export function parseInvocation(argv: readonly string[], env: NodeJS.ProcessEnv): Invocation {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw invalidArgument("arguments", `${(error as Error).message.replace(/\. To specify.*$/s, "")}`);
  }
  const { values, positionals } = parsed;
  const [name, ...operands] = positionals;
  const base = {
    positionals: operands,
    url: values.url ?? (values.store === undefined ? nonEmpty(env.SESSIONKV_URL) : undefined),
    store: values.store,
    prefix: values.prefix,
    call: values.call,
    node: values.node,
    json: values.json,
    yes: values.yes,
    readOnly: values["read-only"],
    wait: values.wait,
    timeoutMs: positiveInteger(values.timeout, "--timeout", 30_000),
    intervalMs: positiveInteger(values.interval, "--interval", 2_000),
    count: values.count === undefined ? undefined : positiveInteger(values.count, "--count", 1),
    graceMs: values.grace === undefined ? undefined : nonNegativeInteger(values.grace, "--grace"),
  };
  if (values.version) return { ...base, command: "version" };
  if (values.help || name === "help" || name === undefined) return { ...base, command: "help" };
  if (!(name in COMMANDS))
    throw invalidArgument(
      "command",
      `${JSON.stringify(name)} is not one of ${Object.keys(COMMANDS).join(", ")}`,
    );
  const command = name as Command;
  const spec = COMMANDS[command];
  for (const [option, value] of Object.entries(values)) {
    const given = value !== undefined && value !== false;
    if (given && !COMMON.has(option) && !spec.options.includes(option))
      throw invalidArgument(`--${option}`, `does not apply to ${command}`);
  }
  if (operands.length !== spec.operands.length)
    throw invalidArgument(
      command,
      spec.operands.length === 0
        ? `takes no operands, got ${JSON.stringify(operands.join(" "))}`
        : `takes ${spec.operands.join(" ")}, got ${operands.length} operand(s)`,
    );
  if (base.url !== undefined && base.store !== undefined)
    throw invalidArgument("--url", "and --store are exclusive: name the store once");
  if (base.url === undefined && base.store === undefined)
    throw invalidArgument("--url", "or --store is required (or set SESSIONKV_URL)");
  return { ...base, command };
}

function parse(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: true });
}

function positiveInteger(text: string | undefined, option: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!(Number.isSafeInteger(n) && n > 0))
    throw invalidArgument(option, `must be a positive integer, got ${JSON.stringify(text)}`);
  return n;
}

function nonNegativeInteger(text: string, option: string): number {
  const n = Number(text);
  if (!(Number.isSafeInteger(n) && n >= 0 && text.trim() !== ""))
    throw invalidArgument(option, `must be an integer >= 0, got ${JSON.stringify(text)}`);
  return n;
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text.length === 0 ? undefined : text;
}
