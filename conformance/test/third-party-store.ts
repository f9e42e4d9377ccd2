import { writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * A third party's store, written outside the repo: a plain object implementing the interface
 * directly (no base class, no sessionkv import), with its own errors carrying the codes.
 * `BROKEN=keys-glob` makes it treat the prefix as a glob, as some real adapters do;
 * `NO_EXPIRY_LAG=1` leaves a field out of its capabilities; `HUGE_KEYS=1` makes a capability-gated
 * case skip; `HOLD_OPEN=1` keeps a handle open for ever and `HANG_CLOSE=1` makes close() never settle.
 */
const THIRD_PARTY_STORE = String.raw`
class CodedError extends Error { constructor(code, message) { super(message); this.code = code; } }
const MAX_VALUE = 1 << 20, MAX_KEY = 1024;
function checkKey(k) {
  if (typeof k !== "string" || k.length === 0 || !k.isWellFormed() || Buffer.byteLength(k) > MAX_KEY) throw new CodedError("ERR_INVALID_ARGUMENT", "bad key");
}
// The contract's TTL range: (0, 365 days].
function checkTtl(t) { if (typeof t !== "number" || !Number.isFinite(t) || t <= 0 || t > 365 * 86400000) throw new CodedError("ERR_INVALID_ARGUMENT", "bad ttlMs"); }
function checkValue(v) {
  if (!(v instanceof Uint8Array)) throw new CodedError("ERR_INVALID_ARGUMENT", "bad value");
  if (v.byteLength > MAX_VALUE) throw new CodedError("ERR_VALUE_TOO_LARGE", "too large");
}
function checkKeys(ks) { if (!Array.isArray(ks)) throw new CodedError("ERR_INVALID_ARGUMENT", "bad keys"); ks.forEach(checkKey); }
// prepare() needs no base class either: a frozen copy, remembered as this store's own.
// A client the module opens and never closes, like a module-level ioredis Cluster: the CLI must still exit.
if (process.env.HOLD_OPEN === "1") setInterval(() => {}, 60_000);
export default function createStore() {
  const data = new Map();
  let state = "new";
  const ready = () => {
    if (state === "closed") throw new CodedError("ERR_STORE_CLOSED", "closed");
    if (state !== "started") throw new CodedError("ERR_STORE_NOT_STARTED", "not started");
  };
  const live = (k) => { const e = data.get(k); if (e && e.until > Date.now()) return e; data.delete(k); return undefined; };
  const put = (k, v, t) => data.set(k, { v: v.slice(), until: Date.now() + t });
  const glob = process.env.BROKEN === "keys-glob";
  const own = new WeakSet();
  const listed = (ks) => {
    if (own.has(ks)) return ks.keys;
    if (Array.isArray(ks)) { checkKeys(ks); return ks; }
    throw new CodedError("ERR_INVALID_ARGUMENT", "keys must be an array or a key set this store prepared");
  };
  const store = {
    capabilities: {
      ttlResolutionMs: 1, minTtlMs: 1, maxValueBytes: MAX_VALUE,
      ...(process.env.NO_EXPIRY_LAG === "1" ? {} : { expiryLagMs: 0 }),
      // Declaring a longest key above what the suite probes makes keys.longest-declared skip.
      maxKeyBytes: process.env.HUGE_KEYS === "1" ? 2_000_000 : MAX_KEY,
      partitionListing: "scan",
    },
    async start() { if (state === "closed") throw new CodedError("ERR_STORE_CLOSED", "closed"); state = "started"; },
    async close() { state = "closed"; data.clear(); if (process.env.HANG_CLOSE === "1") await new Promise(() => {}); },
    async [Symbol.asyncDispose]() { await store.close(); },
    async set(k, v, t, o) {
      checkKey(k); checkValue(v); checkTtl(t);
      if (o !== undefined && (o === null || typeof o !== "object" || (o.onlyIfExists !== undefined && typeof o.onlyIfExists !== "boolean"))) throw new CodedError("ERR_INVALID_ARGUMENT", "bad options");
      ready();
      if (o?.onlyIfExists && !live(k)) return;
      put(k, v, t);
    },
    async setIfAbsent(k, v, t) {
      checkKey(k); checkValue(v); checkTtl(t); ready();
      if (live(k)) return false;
      put(k, v, t);
      return true;
    },
    async deleteIfEquals(k, v) {
      checkKey(k); checkValue(v); ready();
      const e = live(k);
      if (!e || !Buffer.from(e.v).equals(v)) return false;
      return data.delete(k);
    },
    async mset(es) {
      if (!Array.isArray(es)) throw new CodedError("ERR_INVALID_ARGUMENT", "bad entries");
      for (const e of es) { if (!e || typeof e !== "object") throw new CodedError("ERR_INVALID_ARGUMENT", "bad entry"); checkKey(e.key); checkValue(e.value); checkTtl(e.ttlMs); }
      ready();
      for (const e of es) put(e.key, e.value, e.ttlMs);
    },
    async get(k) { checkKey(k); ready(); return live(k)?.v.slice() ?? null; },
    prepare(ks) { checkKeys(ks); ready(); const set = Object.freeze({ keys: Object.freeze([...ks]) }); own.add(set); return set; },
    async mget(ks) { ks = listed(ks); ready(); return ks.map((k) => live(k)?.v.slice() ?? null); },
    async expire(ks, t) { ks = listed(ks); checkTtl(t); ready(); for (const k of ks) { const e = live(k); if (e) e.until = Date.now() + t; } },
    async keys(p) {
      if (typeof p !== "string" || !p.isWellFormed()) throw new CodedError("ERR_INVALID_ARGUMENT", "bad prefix");
      ready();
      const match = glob ? (k) => new RegExp("^" + p.replaceAll("*", ".*").replaceAll("?", ".")).test(k) : (k) => k.startsWith(p);
      return [...data.keys()].filter((k) => live(k) && match(k));
    },
    async delete(ks) { ks = listed(ks); ready(); for (const k of ks) data.delete(k); },
  };
  return store;
}
`;

/** Writes the store module as `my-store.mjs` in `dir` and returns its path. */
export async function writeThirdPartyStore(dir: string): Promise<string> {
  const path = join(dir, "my-store.mjs");
  await writeFile(path, THIRD_PARTY_STORE);
  return path;
}
