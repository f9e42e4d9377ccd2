/**
 * Redis Cluster hash slot of a key: CRC16/XMODEM of the key's UTF-8 bytes (or of its `{hash tag}`
 * when it has a non-empty one) modulo 16384. Needed to group keys for multi-key commands and
 * pipelines, which a cluster only accepts when every key lives in the same slot (CROSSSLOT).
 */
export const SLOT_COUNT = 16_384;

const TABLE = buildTable();

function buildTable(): Uint16Array {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
}

function crc16(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++)
    crc = ((crc << 8) & 0xffff) ^ (TABLE[((crc >> 8) ^ (bytes[i] as number)) & 0xff] as number);
  return crc;
}

const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }

export function hashSlot(key: string): number {
  const bytes = Buffer.from(key, "utf8");
  const open = bytes.indexOf(OPEN);
  if (open !== -1) {
    const close = bytes.indexOf(CLOSE, open + 1);
    // `{}` (empty tag) does not count: the whole key is hashed, as the server does.
    if (close > open + 1) return crc16(bytes, open + 1, close) % SLOT_COUNT;
  }
  return crc16(bytes, 0, bytes.length) % SLOT_COUNT;
}
