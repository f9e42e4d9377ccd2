import { ErrorCode, SessionKVError, invalidArgument } from "../errors.js";
import { isWellFormed } from "../validate.js";
import { MAX_CHANNEL_BYTES } from "./contract.js";

// Control characters would be invisible in logs and CLIENT LIST, and etcd keys and Redis channels
// alike carry them only as opaque bytes; refusing them keeps every channel printable.
const CONTROL = /[\u0000-\u001f\u007f]/;

export function validateChannel(channel: unknown): asserts channel is string {
  if (typeof channel !== "string")
    throw invalidArgument("channel", `must be a string, got ${channel === null ? "null" : typeof channel}`);
  if (channel.length === 0) throw invalidArgument("channel", "must not be empty");
  if (!isWellFormed(channel)) throw invalidArgument("channel", "contains a lone surrogate");
  if (CONTROL.test(channel)) throw invalidArgument("channel", "must not contain control characters");
  const bytes = Buffer.byteLength(channel, "utf8");
  if (bytes > MAX_CHANNEL_BYTES)
    throw invalidArgument("channel", `is ${bytes} UTF-8 bytes; at most ${MAX_CHANNEL_BYTES} are accepted`);
}

export function validatePayload(payload: unknown, maxPayloadBytes: number): asserts payload is Uint8Array {
  if (!(payload instanceof Uint8Array))
    throw invalidArgument(
      "payload",
      `must be a Uint8Array, got ${payload === null ? "null" : typeof payload}`,
    );
  if (payload.byteLength > maxPayloadBytes) {
    throw new SessionKVError(
      ErrorCode.VALUE_TOO_LARGE,
      `payload is ${payload.byteLength} bytes; this store's notifications accept at most ${maxPayloadBytes}`,
    );
  }
}

export function validateCallback(callback: unknown, parameter: string): asserts callback is () => void {
  if (typeof callback !== "function") throw invalidArgument(parameter, "must be a function");
}
