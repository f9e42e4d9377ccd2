/** Bytes and characters shown of a value in a failure message; the rest is summarised. */
const SHOWN = 48;

const NOT_PRINTABLE = /[\p{Cc}\p{Cs}\p{Co}\p{Cn}]/u;
const fatalUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A value as a failure message shows it: printable UTF-8 as a quoted string, other bytes as hex,
 * both capped (`"v"`, `0x0001ff`, `"aaaa"… (262144 bytes)`), instead of `Uint8Array(1) [118]`.
 */
export function showValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "string") return quoted(value);
  if (!(value instanceof Uint8Array)) return Array.isArray(value) ? showList(value) : String(value);
  const size = value.byteLength > SHOWN ? ` (${value.byteLength} bytes)` : "";
  const decoded = utf8(value);
  if (decoded !== null && !NOT_PRINTABLE.test(decoded.replace(/[\t\n\r]/g, "")))
    return `${quoted(decoded)}${size}`;
  const hex = Buffer.from(value.buffer, value.byteOffset, Math.min(value.byteLength, SHOWN)).toString("hex");
  return `0x${hex}${value.byteLength > SHOWN ? "…" : ""}${size}`;
}

/** A list of values or keys, the first few shown. */
export function showList(values: readonly unknown[], shown = 5): string {
  const head = values.slice(0, shown).map(showValue).join(", ");
  return `[${head}${values.length > shown ? `, … (${values.length} in all)` : ""}]`;
}

function quoted(text: string): string {
  const chars = [...text];
  return chars.length > SHOWN ? `${JSON.stringify(chars.slice(0, SHOWN).join(""))}…` : JSON.stringify(text);
}

function utf8(value: Uint8Array): string | null {
  try {
    return fatalUtf8.decode(value);
  } catch {
    return null;
  }
}
