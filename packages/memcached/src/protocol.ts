/**
 * The slice of the Memcached binary protocol this store speaks directly. memjs's high-level API
 * has no CAS, no quiet commands and no multi-get with keys, so requests are built here and sent
 * through memjs's per-server connections (see transport.ts).
 */

export const Opcode = {
  GET: 0x00,
  SET: 0x01,
  ADD: 0x02,
  DELETE: 0x04,
  INCREMENT: 0x05,
  NOOP: 0x0a,
  GETK: 0x0c,
  GETKQ: 0x0d,
  APPEND: 0x0e,
  SETQ: 0x11,
  ADDQ: 0x12,
  DELETEQ: 0x14,
  APPENDQ: 0x19,
} as const;

/** Quiet commands answer only on failure (or, for GETKQ, on a hit), which is what makes pipelining cheap. */
const QUIET = new Set<number>([Opcode.GETKQ, Opcode.SETQ, Opcode.ADDQ, Opcode.DELETEQ, Opcode.APPENDQ]);

export function isQuiet(opcode: number): boolean {
  return QUIET.has(opcode);
}

/** The answering form of each quiet command. */
export const LOUD: Readonly<Record<number, number>> = {
  [Opcode.GETKQ]: Opcode.GETK,
  [Opcode.SETQ]: Opcode.SET,
  [Opcode.ADDQ]: Opcode.ADD,
  [Opcode.DELETEQ]: Opcode.DELETE,
  [Opcode.APPENDQ]: Opcode.APPEND,
};

export const Status = {
  OK: 0x00,
  KEY_NOT_FOUND: 0x01,
  /** Also the answer to a CAS mismatch. */
  KEY_EXISTS: 0x02,
  /** E2BIG: the item does not fit the server's item size (`-I`, 1 MiB by default). */
  VALUE_TOO_LARGE: 0x03,
  INVALID_ARGUMENTS: 0x04,
  /** `append` to a missing item, `add` of an existing one. */
  NOT_STORED: 0x05,
  /** incr on an item that does not hold a decimal number. */
  NON_NUMERIC: 0x06,
  AUTH_ERROR: 0x20,
  OUT_OF_MEMORY: 0x82,
  BUSY: 0x85,
  TEMPORARY_FAILURE: 0x86,
} as const;

const STATUS_TEXT: Record<number, string> = {
  1: "key not found",
  2: "key exists",
  3: "value too large",
  4: "invalid arguments",
  5: "item not stored",
  6: "incr/decr on a non-numeric value",
  32: "authentication error",
  129: "unknown command",
  130: "out of memory",
  131: "not supported",
  132: "internal error",
  133: "busy",
  134: "temporary failure",
};

function statusText(status: number): string {
  return STATUS_TEXT[status] ?? `status 0x${status.toString(16)}`;
}

/** A server answer that the store did not expect; `status` lets callers classify it. */
export class MemcachedStatusError extends Error {
  override readonly name = "MemcachedStatusError";
  readonly status: number;

  constructor(status: number, what: string) {
    super(`memcached ${what}: ${statusText(status)}`);
    this.status = status;
  }
}

export interface Command {
  /** The Memcached key (already encoded); also decides the server in a pool unless `route` is set. */
  readonly key: string;
  /** A key to choose the server by instead of `key`: keeps an index item and its counter together. */
  readonly route?: string;
  readonly opcode: number;
  readonly extras?: Buffer;
  /** Value bytes, possibly in parts (avoids concatenating envelope and payload twice). */
  readonly value?: readonly Uint8Array[];
  /** 8-byte CAS from an earlier reply: the write only applies if the item is unchanged. */
  readonly cas?: Buffer;
}

export interface Reply {
  readonly status: number;
  readonly key: Buffer;
  readonly extras: Buffer;
  readonly value: Buffer;
  readonly cas: Buffer;
}

const HEADER_BYTES = 24;
const REQUEST_MAGIC = 0x80;

/** Bytes of the request frame of `command`. Keys are ASCII (key-encoding.ts): one byte per character. */
export function frameBytes(command: Command): number {
  let bytes = HEADER_BYTES + command.key.length + (command.extras?.length ?? 0);
  if (command.value !== undefined) for (const part of command.value) bytes += part.byteLength;
  return bytes;
}

/**
 * Writes the request frame of `command` into `target` at `at` (sized with `frameBytes`), as
 * `opcode` (a quiet command's answering form, when it closes a write); returns the end offset.
 * Frames of one write go into one buffer: no per-frame allocation, no concatenation.
 */
export function encodeCommandInto(
  command: Command,
  opcode: number,
  opaque: number,
  target: Buffer,
  at: number,
): number {
  const keyBytes = command.key.length;
  const extras = command.extras;
  const extrasBytes = extras?.length ?? 0;
  const body = frameBytes(command) - HEADER_BYTES;
  target[at] = REQUEST_MAGIC;
  target[at + 1] = opcode;
  target.writeUInt16BE(keyBytes, at + 2);
  target[at + 4] = extrasBytes;
  target[at + 5] = 0; // data type
  target.writeUInt16BE(0, at + 6); // vbucket
  target.writeUInt32BE(body, at + 8);
  target.writeUInt32BE(opaque >>> 0, at + 12);
  if (command.cas === undefined) target.fill(0, at + 16, at + HEADER_BYTES);
  else command.cas.copy(target, at + 16, 0, 8);
  let end = at + HEADER_BYTES;
  if (extras !== undefined) end += extras.copy(target, end);
  end += target.write(command.key, end, keyBytes, "latin1");
  if (command.value !== undefined) {
    for (const part of command.value) {
      target.set(part, end);
      end += part.byteLength;
    }
  }
  return end;
}

/** Extras of set/add/replace: 4 bytes of flags (unused, 0) and the expiration. */
export function storageExtras(exptime: number): Buffer {
  const extras = Buffer.alloc(8);
  extras.writeUInt32BE(exptime, 4);
  return extras;
}

/**
 * Extras of incr: delta, the initial value used when the item is missing, and the expiration
 * of a created item (0 = never; 0xffffffff would refuse to create it).
 */
export function incrementExtras(delta: number, initial: number): Buffer {
  const extras = Buffer.alloc(20);
  writeUInt64(extras, delta, 0);
  writeUInt64(extras, initial, 8);
  extras.writeUInt32BE(0, 16);
  return extras;
}

function writeUInt64(buffer: Buffer, value: number, offset: number): void {
  buffer.writeUInt32BE(Math.floor(value / 2 ** 32), offset);
  buffer.writeUInt32BE(value % 2 ** 32, offset + 4);
}

/** The 8-byte counter value in an incr reply. */
export function readUInt64(buffer: Buffer): number {
  return buffer.readUInt32BE(0) * 2 ** 32 + buffer.readUInt32BE(4);
}
