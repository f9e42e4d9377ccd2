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

export function statusText(status: number): string {
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

/** One binary-protocol request frame. */
export function encodeCommand(command: Command, opaque: number): Buffer {
  const key = Buffer.from(command.key, "latin1");
  const extras = command.extras ?? EMPTY;
  let valueBytes = 0;
  for (const part of command.value ?? []) valueBytes += part.byteLength;
  const body = extras.length + key.length + valueBytes;
  const frame = Buffer.allocUnsafe(HEADER_BYTES + body);
  frame[0] = REQUEST_MAGIC;
  frame[1] = command.opcode;
  frame.writeUInt16BE(key.length, 2);
  frame[4] = extras.length;
  frame[5] = 0; // data type
  frame.writeUInt16BE(0, 6); // vbucket
  frame.writeUInt32BE(body, 8);
  frame.writeUInt32BE(opaque >>> 0, 12);
  if (command.cas === undefined) frame.fill(0, 16, 24);
  else command.cas.copy(frame, 16, 0, 8);
  let at = HEADER_BYTES;
  at += extras.copy(frame, at);
  at += key.copy(frame, at);
  for (const part of command.value ?? []) {
    frame.set(part, at);
    at += part.byteLength;
  }
  return frame;
}

const EMPTY = Buffer.alloc(0);

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
