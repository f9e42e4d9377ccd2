// require() of the ESM packages, as a CommonJS user on Node >= 20.19/22 would write it.
const assert = require("node:assert");
const core = require("@sessionkv/core");
const { RedisSessionKVStore } = require("@sessionkv/redis");
let failure;
try {
  new RedisSessionKVStore({ url: "redis://127.0.0.1:6379", keyPrefix: 42 });
} catch (error) {
  failure = error;
}
assert.ok(core.isSessionKVError(failure, core.ErrorCode.INVALID_ARGUMENT), String(failure));
assert.ok(failure instanceof core.SessionKVError);
console.log("pack-check: require() works and the backend's errors are core's");
