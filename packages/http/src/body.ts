import { ErrorCode } from "@sessionkv/core";
import { HttpError, HttpErrorCode } from "./errors.js";
import type { StartSessionBody } from "./options.js";

/**
 * A start request's body. The content type is not checked: `sendBeacon` and plain HTML forms
 * send JSON as `text/plain`. An empty body is the original's defaults (`call_type: "default"`).
 */
export async function readStartBody(request: Request, maxBytes: number): Promise<StartSessionBody> {
  const text = await readText(request, maxBytes);
  if (text.trim() === "") return { call_type: "default" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError(400, ErrorCode.INVALID_ARGUMENT, "the body must be a JSON object");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw new HttpError(400, ErrorCode.INVALID_ARGUMENT, "the body must be a JSON object");
  const fields = parsed as Record<string, unknown>;
  const callType = fields.call_type ?? "default";
  if (typeof callType !== "string" || callType === "")
    throw new HttpError(400, ErrorCode.INVALID_ARGUMENT, "call_type must be a non-empty string");
  return { ...fields, call_type: callType };
}

/**
 * A drain request's body: optional, `{ "grace_ms": number }`. Core checks the range (README
 * "Drain": 0 to 2³¹ − 1 ms); this only checks the shape, so that the error names the JSON field.
 */
export async function readDrainBody(request: Request, maxBytes: number): Promise<{ graceMs?: number }> {
  const text = await readText(request, maxBytes);
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError(400, ErrorCode.INVALID_ARGUMENT, "the body must be a JSON object");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw new HttpError(400, ErrorCode.INVALID_ARGUMENT, "the body must be a JSON object");
  const graceMs = (parsed as Record<string, unknown>).grace_ms;
  if (graceMs === undefined || graceMs === null) return {};
  if (typeof graceMs !== "number")
    throw new HttpError(400, ErrorCode.INVALID_ARGUMENT, "grace_ms must be a number of milliseconds");
  return { graceMs };
}

/** The body as UTF-8, refused past `maxBytes` without reading the rest. */
async function readText(request: Request, maxBytes: number): Promise<string> {
  const tooLarge = () =>
    new HttpError(413, HttpErrorCode.BODY_TOO_LARGE, `the body must be at most ${maxBytes} bytes`);
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw tooLarge();
  if (request.body === null) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new HttpError(400, ErrorCode.INVALID_ARGUMENT, "the body is not UTF-8");
  }
}
