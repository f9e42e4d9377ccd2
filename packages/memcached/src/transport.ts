import { type Command, LOUD, Opcode, type Reply, Status, encodeCommand, isQuiet } from "./protocol.js";

/**
 * The parts of a memjs `Server` (one connection per server) this transport uses. They are
 * memjs internals, stable across the 1.x line: `onResponse`/`onError` register a callback by
 * request id (the protocol's opaque), `write` sends bytes and arms memjs's per-request timeout.
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

interface MemjsResponse {
  header: { status: number; cas: Buffer };
  key: Buffer;
  extras: Buffer;
  val: Buffer;
}

type ResponseHandler = ((response: MemjsResponse) => void) & { quiet?: boolean };

/**
 * memjs arms one timeout per `write` and clears one per non-quiet reply, so every write
 * carries exactly one non-quiet command, last: the quiet ones before it answer only on
 * failure or hit, and Memcached answers a connection's requests in order, so once the
 * non-quiet reply arrives every earlier reply has arrived too.
 */
const MAX_COMMANDS_PER_WRITE = 256;
const MAX_BYTES_PER_WRITE = 1 << 20;

/**
 * Sends commands pipelined: grouped by the server memjs picks for each key (so a pool shards
 * exactly like memjs's own get/set), one write per group of quiet commands closed by a no-op.
 * Resolves with one entry per command: the reply, or `undefined` where a quiet command
 * succeeded (or a GETKQ missed).
 */
export class Transport {
  readonly #client: MemjsClientInternals;

  constructor(client: MemjsClientInternals) {
    this.#client = client;
  }

  get serverCount(): number {
    return this.#client.servers.length;
  }

  async send(commands: readonly Command[]): Promise<(Reply | undefined)[]> {
    const results = new Array<Reply | undefined>(commands.length).fill(undefined);
    if (commands.length === 0) return results;
    const groups = new Map<MemjsServer, number[]>();
    for (let i = 0; i < commands.length; i++) {
      const server = this.#client.server(commands[i]!.key);
      if (server == null) throw new Error("no Memcached server available (all marked failed)");
      const group = groups.get(server) ?? [];
      if (group.length === 0) groups.set(server, group);
      group.push(i);
    }
    await Promise.all(
      [...groups].map(([server, indexes]) => this.#sendTo(server, commands, indexes, results)),
    );
    return results;
  }

  /** Sends a no-op to every server: proves each one answers. */
  async ping(): Promise<void> {
    await Promise.all(
      this.#client.servers.map((server) => this.#sendTo(server, [{ key: "", opcode: Opcode.NOOP }], [0], [])),
    );
  }

  #nextOpaque(): number {
    this.#client.incrSeq();
    return this.#client.seq >>> 0;
  }

  #sendTo(
    server: MemjsServer,
    commands: readonly Command[],
    indexes: readonly number[],
    results: (Reply | undefined)[],
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
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
        // memjs reports some failures (SASL) as bare strings.
        reject(error instanceof Error ? error : new Error(String(error)));
      };
      const answered = () => {
        if (--outstanding === 0 && !settled) {
          settled = true;
          cleanup();
          resolve();
        }
      };
      const register = (command: Command, slot: number | undefined, loud = false): Buffer => {
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
          if (slot !== undefined && !silent) results[slot] = toReply(response);
          if (!quiet) answered();
        };
        if (quiet) handler.quiet = true;
        else {
          outstanding++;
          server.onError(opaque, fail);
        }
        server.onResponse(opaque, handler);
        return encodeCommand(loud ? { ...command, opcode: LOUD[command.opcode]! } : command, opaque);
      };

      try {
        let frames: Buffer[] = [];
        let bytes = 0;
        const flush = () => {
          server.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames, bytes));
          frames = [];
          bytes = 0;
        };
        indexes.forEach((slot, n) => {
          const command = commands[slot]!;
          // The last command answers in place of a closing no-op: one frame less per batch.
          const loud = n === indexes.length - 1 && isQuiet(command.opcode);
          const frame = register(command, slot, loud);
          frames.push(frame);
          bytes += frame.length;
          if (loud || !isQuiet(command.opcode)) flush();
          else if (frames.length >= MAX_COMMANDS_PER_WRITE || bytes >= MAX_BYTES_PER_WRITE) {
            const noop = register({ key: "", opcode: Opcode.NOOP }, undefined);
            frames.push(noop);
            bytes += noop.length;
            flush();
          }
        });
        if (frames.length > 0) {
          const noop = register({ key: "", opcode: Opcode.NOOP }, undefined);
          frames.push(noop);
          bytes += noop.length;
          flush();
        }
      } catch (error) {
        fail(error);
      }
    });
  }
}

function toReply(response: MemjsResponse): Reply {
  return {
    status: response.header.status,
    key: response.key,
    extras: response.extras,
    value: response.val,
    cas: response.header.cas,
  };
}
