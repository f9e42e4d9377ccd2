import { ErrorCode, SessionKVError } from "@sessionkv/core";
import type { Reply } from "./protocol.js";

/**
 * The memjs versions whose internals the transport was tested against, and the only ones
 * package.json allows (an exact version, not a range). memjs has no CAS, no multi-get and no
 * quiet commands, so the transport writes binary-protocol frames into memjs's per-server
 * connections and registers its callbacks in memjs's private tables (README, "memjs: a pinned
 * version, checked at start"). None of that is memjs's public API: a patch release may rename
 * or rework it, so a new version is adopted deliberately, by adding it here once the suite has
 * passed with it.
 */
export const TESTED_MEMJS_VERSIONS: readonly string[] = ["1.3.2"];

/**
 * The parts of a memjs `Server` (one connection per server) the transport uses:
 * `onResponse`/`onError` register a callback by request id (the protocol's opaque) in
 * `responseCallbacks`/`errorCallbacks`, `write` sends bytes and arms one timeout per write
 * (queued in `requestTimeouts`), and `respond` keeps a callback marked `quiet` for the replies
 * that may follow.
 */
export interface MemjsServer {
  readonly host: string;
  readonly port: number;
  responseCallbacks: Record<number, unknown>;
  errorCallbacks: Record<number, unknown>;
  onResponse(opaque: number, handler: ResponseHandler): void;
  onError(opaque: number, handler: (error: unknown) => void): void;
  write(frame: Buffer): void;
}

/** The parts of a memjs `Client` used here: its servers, its key → server choice, its request ids. */
export interface MemjsClientInternals {
  readonly servers: readonly MemjsServer[];
  seq: number;
  incrSeq(): void;
  server(key: string): MemjsServer | null | undefined;
  close(): void;
}

/** A reply as memjs's parser (`Utils.parseMessage`) hands it to a response callback. */
export interface MemjsResponse {
  header: { status: number; cas: Buffer };
  key: Buffer;
  extras: Buffer;
  val: Buffer;
}

export type ResponseHandler = ((response: MemjsResponse) => void) & { quiet?: boolean };

export function replyOf(response: MemjsResponse): Reply {
  return {
    status: response.header.status,
    key: response.key,
    extras: response.extras,
    value: response.val,
    cas: response.header.cas,
  };
}

const CLIENT_METHODS = ["incrSeq", "server", "close"] as const;
const SERVER_METHODS = ["onResponse", "onError", "write", "respond"] as const;
const SERVER_TABLES = ["responseCallbacks", "errorCallbacks"] as const;

/** The first internal `client` lacks, as a path (`servers[0].responseCallbacks`), or null. */
export function missingInternal(client: unknown): string | null {
  if (client === null || typeof client !== "object") return "the client itself";
  const servers: unknown = Reflect.get(client, "servers");
  if (!Array.isArray(servers) || servers.length === 0) return "servers";
  if (typeof Reflect.get(client, "seq") !== "number") return "seq";
  for (const method of CLIENT_METHODS)
    if (typeof Reflect.get(client, method) !== "function") return `${method}()`;
  for (const [i, server] of servers.entries()) {
    if (server === null || typeof server !== "object") return `servers[${i}]`;
    for (const method of SERVER_METHODS)
      if (typeof Reflect.get(server, method) !== "function") return `servers[${i}].${method}()`;
    for (const table of SERVER_TABLES) {
      const value: unknown = Reflect.get(server, table);
      if (value === null || typeof value !== "object") return `servers[${i}].${table}`;
    }
    if (!Array.isArray(Reflect.get(server, "requestTimeouts"))) return `servers[${i}].requestTimeouts`;
  }
  return null;
}

/**
 * Refuses, at start(), a client without the internals the transport writes to: a caller's client
 * from another memjs version, or ours if a package manager override replaced the pinned memjs.
 * Without this check such a client would fail later and less clearly, or worse, silently: a
 * callback table memjs no longer reads would leave every batch waiting for its deadline.
 */
export function checkMemjsInternals(client: unknown): void {
  const missing = missingInternal(client);
  if (missing === null) return;
  throw new SessionKVError(
    ErrorCode.STORE_MISCONFIGURED,
    `the memjs client lacks ${missing}, an internal this store sends its requests through; ` +
      `use memjs ${TESTED_MEMJS_VERSIONS.join(" or ")} (the versions it is tested with, README "memjs: a pinned version, checked at start")`,
  );
}
