import memjs from "memjs";
import { describe, expect, it } from "vitest";
import { replyOf } from "../src/memjs-internals.js";
import {
  type Command,
  LOUD,
  Opcode,
  Status,
  encodeCommandInto,
  frameBytes,
  incrementExtras,
  readUInt64,
  storageExtras,
} from "../src/protocol.js";

/**
 * The example packets of the Memcached binary protocol specification (memcached's
 * doc/protocol-binary.txt, "Commands": the get, add, delete and incr examples), byte for byte.
 * No server is needed: they pin the framing to the specification rather than to what one
 * server version happens to accept.
 */
const bytes = (...values: number[]) => Buffer.from(values);
const HELLO = [0x48, 0x65, 0x6c, 0x6c, 0x6f];
const WORLD = [0x57, 0x6f, 0x72, 0x6c, 0x64];
const COUNTER = [0x63, 0x6f, 0x75, 0x6e, 0x74, 0x65, 0x72];
const NO_CAS = [0, 0, 0, 0, 0, 0, 0, 0];
/** The examples' expiry, 0x00000e10: 3,600 s (their text says "in two hours", their bytes one hour). */
const EXPIRY = [0x00, 0x00, 0x0e, 0x10];

const GET_HELLO = bytes(0x80, 0x00, 0x00, 0x05, 0, 0, 0, 0, 0, 0, 0, 0x05, 0, 0, 0, 0, ...NO_CAS, ...HELLO);
const ADD_HELLO_WORLD = bytes(
  ...[0x80, 0x02, 0x00, 0x05, 0x08, 0, 0, 0, 0, 0, 0, 0x12, 0, 0, 0, 0, ...NO_CAS],
  ...[0xde, 0xad, 0xbe, 0xef, ...EXPIRY],
  ...HELLO,
  ...WORLD,
);
const DELETE_HELLO = bytes(
  0x80,
  0x04,
  0x00,
  0x05,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0x05,
  0,
  0,
  0,
  0,
  ...NO_CAS,
  ...HELLO,
);
const INCR_COUNTER = bytes(
  ...[0x80, 0x05, 0x00, 0x07, 0x14, 0, 0, 0, 0, 0, 0, 0x1b, 0, 0, 0, 0, ...NO_CAS],
  ...[0, 0, 0, 0, 0, 0, 0, 0x01],
  ...[0, 0, 0, 0, 0, 0, 0, 0],
  ...EXPIRY,
  ...COUNTER,
);

const GET_RESPONSE_WORLD = bytes(
  ...[0x81, 0x00, 0x00, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01],
  ...[0xde, 0xad, 0xbe, 0xef],
  ...WORLD,
);
/**
 * The specification's getk example with one byte corrected: its total body length reads 0x09
 * (copied from the get example) although it carries 4 + 5 + 5 = 14 bytes; a server sends 0x0e.
 * With 0x09 the value would end where the key does and read as empty.
 */
const GETK_RESPONSE_HELLO_WORLD = bytes(
  ...[0x81, 0x00, 0x00, 0x05, 0x04, 0, 0, 0, 0, 0, 0, 0x0e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01],
  ...[0xde, 0xad, 0xbe, 0xef],
  ...HELLO,
  ...WORLD,
);
const ADD_RESPONSE = bytes(0x81, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01);
const INCR_RESPONSE = bytes(
  ...[0x81, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x05],
  ...[0, 0, 0, 0, 0, 0, 0, 0],
);

/** One command's frame, encoded the way the transport does it (into a buffer sized by frameBytes). */
function encode(command: Command, opcode = command.opcode, opaque = 0): Buffer {
  const frame = Buffer.alloc(frameBytes(command));
  const end = encodeCommandInto(command, opcode, opaque, frame, 0);
  expect(end).toBe(frame.length);
  return frame;
}

/** A response frame read the way the transport reads one: memjs's parser, then replyOf. */
function decode(frame: Buffer) {
  const parsed = memjs.Utils.parseMessage(frame);
  expect(parsed, "a whole frame").not.toBe(false);
  return replyOf(parsed);
}

describe("binary protocol framing: the specification's examples", () => {
  it("encodes the get request for key Hello", () => {
    expect(encode({ key: "Hello", opcode: Opcode.GET })).toEqual(GET_HELLO);
  });

  it("encodes the add request: Hello = World, flags 0xdeadbeef, expiry 0x0e10", () => {
    const extras = bytes(0xde, 0xad, 0xbe, 0xef, ...EXPIRY);
    const command = { key: "Hello", opcode: Opcode.ADD, extras, value: [Buffer.from("World")] };
    expect(encode(command)).toEqual(ADD_HELLO_WORLD);
  });

  it("encodes the value in parts as one value (the envelope's head, deadline and payload)", () => {
    const extras = bytes(0xde, 0xad, 0xbe, 0xef, ...EXPIRY);
    const parts = [Buffer.from("Wo"), new Uint8Array(), Uint8Array.from([0x72, 0x6c, 0x64])];
    expect(encode({ key: "Hello", opcode: Opcode.ADD, extras, value: parts })).toEqual(ADD_HELLO_WORLD);
  });

  it("encodes the delete request for key Hello", () => {
    expect(encode({ key: "Hello", opcode: Opcode.DELETE })).toEqual(DELETE_HELLO);
  });

  it("encodes the incr request for key counter, delta 1, initial 0, expiry 0x0e10", () => {
    const extras = bytes(...[0, 0, 0, 0, 0, 0, 0, 0x01], ...[0, 0, 0, 0, 0, 0, 0, 0], ...EXPIRY);
    expect(encode({ key: "counter", opcode: Opcode.INCREMENT, extras })).toEqual(INCR_COUNTER);
  });

  it("storageExtras and incrementExtras lay out their fields as the examples do", () => {
    // Flags are always 0 here (the store keeps its metadata in the value), the expiry as given.
    expect(storageExtras(0x0e10)).toEqual(bytes(0, 0, 0, 0, ...EXPIRY));
    // The store's counters never expire on their own: expiration 0 (0xffffffff would refuse to create one).
    expect(incrementExtras(1, 0).subarray(0, 16)).toEqual(INCR_COUNTER.subarray(24, 40));
    expect(incrementExtras(1, 0).subarray(16)).toEqual(bytes(0, 0, 0, 0));
    // 64-bit fields beyond 32 bits: the high word first.
    expect(incrementExtras(2 ** 32 + 7, 2 ** 40).subarray(0, 16)).toEqual(
      bytes(0, 0, 0, 0x01, 0, 0, 0, 0x07, 0, 0, 0x01, 0, 0, 0, 0, 0),
    );
  });

  it("writes the opaque and the CAS where the header has them", () => {
    const cas = bytes(0, 0, 0, 0, 0, 0, 0x12, 0x34);
    const frame = encode({ key: "Hello", opcode: Opcode.SETQ, cas, value: [] }, Opcode.SETQ, 0xfffffffe);
    expect(frame.readUInt32BE(12)).toBe(0xfffffffe);
    expect(frame.subarray(16, 24)).toEqual(cas);
    // Nothing else of the get example's layout changes but the opcode.
    expect(frame[1]).toBe(Opcode.SETQ);
    expect(Buffer.concat([frame.subarray(0, 1), frame.subarray(2, 12), frame.subarray(24)])).toEqual(
      Buffer.concat([GET_HELLO.subarray(0, 1), GET_HELLO.subarray(2, 12), GET_HELLO.subarray(24)]),
    );
  });

  it("encodes several frames back to back into one buffer (one socket write)", () => {
    const commands: Command[] = [
      { key: "Hello", opcode: Opcode.GET },
      { key: "Hello", opcode: Opcode.DELETE },
    ];
    const frame = Buffer.alloc(commands.reduce((sum, c) => sum + frameBytes(c), 0));
    let at = 0;
    for (const command of commands) at = encodeCommandInto(command, command.opcode, 0, frame, at);
    expect(at).toBe(frame.length);
    expect(frame).toEqual(Buffer.concat([GET_HELLO, DELETE_HELLO]));
  });

  it("decodes the get response: World with flags 0xdeadbeef and CAS 1", () => {
    const reply = decode(GET_RESPONSE_WORLD);
    expect(reply.status).toBe(Status.OK);
    expect(reply.extras).toEqual(bytes(0xde, 0xad, 0xbe, 0xef));
    expect(reply.key).toEqual(Buffer.alloc(0));
    expect(reply.value.toString("latin1")).toBe("World");
    expect(reply.cas).toEqual(bytes(0, 0, 0, 0, 0, 0, 0, 0x01));
  });

  it("decodes the getk response: the key Hello before the value World", () => {
    const reply = decode(GETK_RESPONSE_HELLO_WORLD);
    expect(reply.key.toString("latin1")).toBe("Hello");
    expect(reply.value.toString("latin1")).toBe("World");
    expect(reply.extras).toEqual(bytes(0xde, 0xad, 0xbe, 0xef));
  });

  it("decodes the add response (no body, CAS 1) and the incr response (the 64-bit value)", () => {
    const added = decode(ADD_RESPONSE);
    expect(added.status).toBe(Status.OK);
    expect(added.value.length).toBe(0);
    expect(added.cas).toEqual(bytes(0, 0, 0, 0, 0, 0, 0, 0x01));
    const incremented = decode(INCR_RESPONSE);
    expect(incremented.cas).toEqual(bytes(0, 0, 0, 0, 0, 0, 0, 0x05));
    expect(readUInt64(incremented.value)).toBe(0);
    expect(readUInt64(bytes(0, 0, 0, 0x01, 0, 0, 0, 0x07))).toBe(2 ** 32 + 7);
  });

  it("reads the status of an error response (key not found on a get)", () => {
    const notFound = Buffer.from(GET_RESPONSE_WORLD.subarray(0, 24));
    notFound.writeUInt16BE(Status.KEY_NOT_FOUND, 6);
    notFound[4] = 0;
    notFound.writeUInt32BE(0, 8);
    expect(decode(notFound).status).toBe(0x0001);
  });

  it("uses the specification's opcodes and statuses, and the loud form of each quiet command", () => {
    expect(Opcode).toEqual({
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
    });
    expect(Status).toMatchObject({
      OK: 0x0000,
      KEY_NOT_FOUND: 0x0001,
      KEY_EXISTS: 0x0002,
      VALUE_TOO_LARGE: 0x0003,
      INVALID_ARGUMENTS: 0x0004,
      NOT_STORED: 0x0005,
      NON_NUMERIC: 0x0006,
      AUTH_ERROR: 0x0020,
      OUT_OF_MEMORY: 0x0082,
    });
    expect(LOUD).toEqual({
      [Opcode.GETKQ]: Opcode.GETK,
      [Opcode.SETQ]: Opcode.SET,
      [Opcode.ADDQ]: Opcode.ADD,
      [Opcode.DELETEQ]: Opcode.DELETE,
      [Opcode.APPENDQ]: Opcode.APPEND,
    });
  });
});
