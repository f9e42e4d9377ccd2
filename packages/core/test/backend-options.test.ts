import { describe, expect, it } from "vitest";
import { ErrorCode } from "../src/index.js";
import {
  validateBoolean,
  validateExactlyOne,
  validateInteger,
  validateOptionsObject,
} from "../src/store-kit.js";

const refused = (parameter: RegExp) =>
  expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT, message: expect.stringMatching(parameter) });

describe("backend option checks", () => {
  it("validateOptionsObject refuses anything but an object", () => {
    expect(() => validateOptionsObject({})).not.toThrow();
    for (const bad of [undefined, null, 5, "url"]) {
      expect(() => validateOptionsObject(bad)).toThrow(refused(/^options must be an object$/));
    }
  });

  it("validateExactlyOne accepts one of the two alternatives, never none or both", () => {
    expect(() => validateExactlyOne({ url: "redis://x" }, "url", "client")).not.toThrow();
    expect(() => validateExactlyOne({ client: {} }, "url", "client")).not.toThrow();
    // An alternative set to undefined counts as absent, as with an optional property left out.
    expect(() => validateExactlyOne({ url: undefined, client: {} }, "url", "client")).not.toThrow();
    for (const bad of [{}, { url: "redis://x", client: {} }]) {
      expect(() => validateExactlyOne(bad, "url", "client")).toThrow(
        refused(/^options need exactly one of `url` or `client`$/),
      );
    }
  });

  it("validateBoolean and validateInteger name the option", () => {
    expect(() => validateBoolean(false, "createTable")).not.toThrow();
    expect(() => validateBoolean("yes", "createTable")).toThrow(refused(/^createTable must be a boolean$/));
    expect(() => validateInteger(1, "concurrency", 1)).not.toThrow();
    for (const bad of [0, 1.5, Number.NaN, "2", Number.POSITIVE_INFINITY]) {
      expect(() => validateInteger(bad, "concurrency", 1)).toThrow(
        refused(/^concurrency must be an integer >= 1$/),
      );
    }
  });
});
