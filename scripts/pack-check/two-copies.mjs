// Two copies of core side by side (0.1.0 and 0.1.1 under another name) and a backend bound to
// the first: errors from either copy are recognised by the other.
import assert from "node:assert";
import * as a from "@sessionkv/core";
import { InMemorySessionKVStore } from "@sessionkv/memory";
import * as b from "core-other";

assert.notStrictEqual(a.SessionKVError, b.SessionKVError, "the two copies must be distinct");
const store = new InMemorySessionKVStore();
const failure = await store.get("k").catch((error) => error);
for (const copy of [a, b]) {
  assert.ok(copy.isSessionKVError(failure, copy.ErrorCode.STORE_NOT_STARTED), String(failure));
  assert.ok(failure instanceof copy.SessionKVError);
}
const fromB = new b.SessionKVError(b.ErrorCode.STORE_CLOSED, "closed");
assert.ok(a.isSessionKVError(fromB, a.ErrorCode.STORE_CLOSED) && fromB instanceof a.SessionKVError);
console.log("pack-check: two copies of core recognise each other's errors");
