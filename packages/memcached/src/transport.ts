import { memjsError } from "./errors.js";
import {
  type MemjsClientInternals,
  type MemjsServer,
  type ResponseHandler,
  replyOf,
} from "./memjs-internals.js";
import {
  type Command,
  LOUD,
  MemcachedStatusError,
  Opcode,
  type Reply,
  Status,
  encodeCommandInto,
  frameBytes,
  isQuiet,
} from "./protocol.js";

/**
 * memjs arms one timeout per `write` and clears one per non-quiet reply, so every write
 * carries exactly one non-quiet command, last: the quiet ones before it answer only on
 * failure or hit, and Memcached answers a connection's requests in order, so once the
 * non-quiet reply arrives every earlier reply has arrived too.
 */
const MAX_COMMANDS_PER_WRITE = 256;
const MAX_BYTES_PER_WRITE = 1 << 20;

/** The replies of a batch some of whose servers did not answer (see `Transport.sendPartial`). */
export interface PartialReplies {
  readonly replies: (Reply | undefined)[];
  /** Indexes of the commands whose server failed: their replies mean nothing. */
  readonly unreachable: ReadonlySet<number>;
  /** The first server failure, when there was one. */
  readonly error?: Error;
}

/**
 * Sends commands pipelined: grouped by the server memjs picks for each key (so a pool shards
 * exactly like memjs's own get/set), one write per group of quiet commands closed by a no-op.
 * Resolves with one entry per command: the reply, or `undefined` where a quiet command
 * succeeded (or a GETKQ missed).
 */
export class Transport {
  readonly #client: MemjsClientInternals;
  readonly #skipFailedForMs: number;
  /** Pool servers that just went silent, with their error: skipped until `until` (see constructor). */
  readonly #failed = new Map<MemjsServer, { until: number; error: Error }>();

  /**
   * `skipFailedForMs`: in a pool, a server that timed out is treated as unreachable without being
   * asked for this long, so that the later steps of an operation (a CAS write after its read,
   * the index after the data) do not each wait for a silent server's timeout again.
   */
  constructor(client: MemjsClientInternals, skipFailedForMs = 0) {
    this.#client = client;
    this.#skipFailedForMs = skipFailedForMs;
  }

  get serverCount(): number {
    return this.#client.servers.length;
  }

  /** All or nothing: rejects with the first server failure. */
  send(commands: readonly Command[]): Promise<(Reply | undefined)[]> {
    const only = this.#onlyServer();
    if (only !== undefined) return this.#sendTo(only, commands, undefined, emptyReplies(commands.length));
    return this.sendPartial(commands).then((outcome) => {
      if (outcome.error !== undefined) throw outcome.error;
      return outcome.replies;
    });
  }

  /**
   * Per server: a server that fails (refused, lost, silent past memjs's timeout) leaves its
   * commands in `unreachable` while the other servers' replies are kept, so that one server's
   * outage in a pool does not fail the keys that live elsewhere. Still rejects when no server
   * answered (nothing was done) and on a refused login (a misconfiguration, not an outage).
   */
  async sendPartial(commands: readonly Command[]): Promise<PartialReplies> {
    const replies = emptyReplies(commands.length);
    const only = this.#onlyServer();
    // One server: its failure is the whole batch's, so there is nothing partial to track.
    if (only !== undefined)
      return { replies: await this.#sendTo(only, commands, undefined, replies), unreachable: NONE };
    const unreachable = new Set<number>();
    if (commands.length === 0) return { replies, unreachable };
    const groups = new Map<MemjsServer, number[]>();
    for (let i = 0; i < commands.length; i++) {
      const command = commands[i]!;
      const server = this.#client.server(command.route ?? command.key);
      if (server == null) throw new Error("no Memcached server available (all marked failed)");
      const group = groups.get(server) ?? [];
      if (group.length === 0) groups.set(server, group);
      group.push(i);
    }
    const pooled = this.#client.servers.length > 1;
    const now = Date.now();
    const entries = [...groups];
    const settled = await Promise.allSettled(
      entries.map(([server, indexes]) => {
        const failed = pooled ? this.#failed.get(server) : undefined;
        if (failed !== undefined && failed.until > now) return Promise.reject(failed.error);
        return this.#sendTo(server, commands, indexes, replies);
      }),
    );
    let error: Error | undefined;
    settled.forEach((result, g) => {
      const [server, indexes] = entries[g]!;
      if (result.status === "fulfilled") {
        this.#failed.delete(server);
        return;
      }
      const reason = result.reason as Error;
      if (reason instanceof MemcachedStatusError) throw reason;
      error ??= reason;
      for (const i of indexes) unreachable.add(i);
      // Only silence is remembered: a lost or refused connection fails at once and memjs opens a
      // new one on the next write, so skipping that server would only hide it after it is back
      // (a connection drop made a whole pool listing fail for the skip's length).
      const known = this.#failed.get(server);
      if (pooled && isSilence(reason) && (known === undefined || known.until <= now))
        this.#failed.set(server, { until: Date.now() + this.#skipFailedForMs, error: reason });
    });
    if (unreachable.size === commands.length) throw error!;
    return error === undefined ? { replies, unreachable } : { replies, unreachable, error };
  }

  /** Sends a no-op to every server: proves each one answers. */
  async ping(): Promise<void> {
    await Promise.all(
      this.#client.servers.map((server) => this.#sendTo(server, [NOOP], undefined, [undefined])),
    );
  }

  /** The server when the client has only one (every key maps to it); `undefined` for a pool. */
  #onlyServer(): MemjsServer | undefined {
    const servers = this.#client.servers;
    return servers.length === 1 ? servers[0] : undefined;
  }

  #nextOpaque(): number {
    this.#client.incrSeq();
    return this.#client.seq >>> 0;
  }

  /**
   * Sends `commands` (those at `indexes`, or all) to one server; resolves with `results`,
   * filled at each command's index. Each write is one buffer that ends with its one answering
   * command (see MAX_COMMANDS_PER_WRITE).
   */
  #sendTo(
    server: MemjsServer,
    commands: readonly Command[],
    indexes: readonly number[] | undefined,
    results: (Reply | undefined)[],
  ): Promise<(Reply | undefined)[]> {
    return new Promise((resolve, reject) => {
      const count = indexes === undefined ? commands.length : indexes.length;
      const registered: number[] = [];
      let outstanding = 0;
      let settled = false;
      const cleanup = () => {
        // Quiet callbacks are never removed by memjs (it cannot know no reply will come).
        for (const opaque of registered) {
          delete server.responseCallbacks[opaque];
          delete server.errorCallbacks[opaque];
        }
      };
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        cleanup();
        reject(memjsError(error));
      };
      const answered = () => {
        if (--outstanding === 0 && !settled) {
          settled = true;
          cleanup();
          resolve(results);
        }
      };
      const register = (command: Command, slot: number | undefined, loud: boolean): number => {
        const opaque = this.#nextOpaque();
        registered.push(opaque);
        const quiet = isQuiet(command.opcode) && !loud;
        const handler: ResponseHandler = (response) => {
          // A quiet command sent in its answering form reports success (or a GETK miss) as
          // silence, like the quiet form would have.
          const silent =
            loud &&
            (response.header.status === Status.OK
              ? command.opcode !== Opcode.GETKQ
              : command.opcode === Opcode.GETKQ && response.header.status === Status.KEY_NOT_FOUND);
          if (slot !== undefined && !silent) results[slot] = replyOf(response);
          if (!quiet) answered();
        };
        if (quiet) handler.quiet = true;
        else {
          outstanding++;
          server.onError(opaque, fail);
        }
        server.onResponse(opaque, handler);
        return opaque;
      };
      // Commands [from, to) in one buffer; `noop`: closed by a no-op (all of them are quiet).
      const write = (from: number, to: number, bytes: number, noop: boolean) => {
        const frame = Buffer.allocUnsafe(noop ? bytes + NOOP_BYTES : bytes);
        let at = 0;
        for (let n = from; n < to; n++) {
          const slot = indexes === undefined ? n : indexes[n]!;
          const command = commands[slot]!;
          // The last command answers in place of a closing no-op: one frame less per batch.
          const loud = !noop && n === to - 1 && isQuiet(command.opcode);
          const opaque = register(command, slot, loud);
          at = encodeCommandInto(command, loud ? LOUD[command.opcode]! : command.opcode, opaque, frame, at);
        }
        if (noop) encodeCommandInto(NOOP, Opcode.NOOP, register(NOOP, undefined, false), frame, at);
        server.write(frame);
      };

      try {
        let from = 0;
        let bytes = 0;
        for (let n = 0; n < count; n++) {
          const command = commands[indexes === undefined ? n : indexes[n]!]!;
          bytes += frameBytes(command);
          if (n === count - 1 || !isQuiet(command.opcode)) {
            write(from, n + 1, bytes, false);
          } else if (n + 1 - from >= MAX_COMMANDS_PER_WRITE || bytes >= MAX_BYTES_PER_WRITE) {
            write(from, n + 1, bytes, true);
          } else continue;
          from = n + 1;
          bytes = 0;
        }
        if (count === 0) resolve(results);
      } catch (error) {
        fail(error);
      }
    });
  }
}

const NOOP: Command = { key: "", opcode: Opcode.NOOP };
const NOOP_BYTES = frameBytes(NOOP);
const NONE: ReadonlySet<number> = new Set();

function emptyReplies(count: number): (Reply | undefined)[] {
  return new Array<Reply | undefined>(count).fill(undefined);
}

/** memjs's own timeouts ("socket timed out waiting on response.", "… connecting to server."). */
function isSilence(error: Error): boolean {
  return error.message.startsWith("socket timed out");
}
