import { inspect } from "node:util";
import {
  bytes,
  codeOf,
  everythingSaidBy,
  leakedSecrets,
  leakedSecretsAround,
  rejection,
  text,
} from "@sessionkv/conformance/testing";
import { ErrorCode } from "@sessionkv/core";
import { type ServerTarget, redisTargets, requireContainers } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import { beforeAll, describe, expect, it } from "vitest";
import { RedisSessionKVStore } from "../src/index.js";
import { rawClient, urlOf } from "./helpers.js";

// A server with a password and an ACL user: credentials in the URL work, wrong ones are
// reported as such, and no error (message, stack, cause chain) ever carries a password.
const gate = await requireContainers();

// Characters that need percent-encoding in a URL, so both spellings are checked.
const PASSWORD = "S3cr3t:p@ss/wörd%";
const WRONG = "Wr0ng:p@ss/wörd%";
const USER = "skv-user";
const USER_PASSWORD = "Us3r-p@ss:w0rd";

function assertNoSecret(error: unknown): void {
  expect(leakedSecrets(error, [PASSWORD, WRONG, USER_PASSWORD])).toEqual([]);
}

describe("credentials", () => {
  const withPassword = {
    run: gate.run,
    start: (target: ServerTarget) => target.start({ args: ["--requirepass", PASSWORD] }),
  };
  forEachTarget(redisTargets(), withPassword, ({ server, track }) => {
    const storeAt = (auth: string, keyPrefix = "auth:"): RedisSessionKVStore =>
      track(new RedisSessionKVStore({ url: urlOf(server(), auth), keyPrefix, operationTimeoutMs: 1_000 }));

    beforeAll(async () => {
      const admin = track(rawClient(server(), { password: PASSWORD }), (client) => client.disconnect());
      await admin.connect();
      // Only what the store needs, only under `acl:` (ioredis ignores a refused CLIENT SETINFO, which Redis 7.0 lacks anyway).
      await admin.call(
        "ACL",
        "SETUSER",
        USER,
        "reset",
        "on",
        `>${USER_PASSWORD}`,
        "~acl:*",
        "resetchannels",
        "+get",
        "+mget",
        "+set",
        "+pexpire",
        "+del",
        "+scan",
        "+ping",
        "+info",
        "+client|setname",
        // The listing index (README, "Listing").
        "+time",
        "+zadd",
        "+zrangebyscore",
        "+zremrangebyscore",
        "+exists",
        "+multi",
        "+exec",
        // deleteIfEquals (README, "Commands issued").
        "+evalsha",
        "+eval",
      );
    });

    it("a wrong password rejects start() with ERR_STORE_MISCONFIGURED and never shows either password", async () => {
      const { error } = await rejection(() => storeAt(`:${encodeURIComponent(WRONG)}@`).start());
      expect(codeOf(error)).toBe(ErrorCode.STORE_MISCONFIGURED);
      expect(everythingSaidBy(error)).toMatch(/WRONGPASS|invalid password/i);
      assertNoSecret(error);
    });

    it("no password rejects start() with ERR_STORE_MISCONFIGURED (NOAUTH)", async () => {
      const { error } = await rejection(() => storeAt("").start());
      expect(codeOf(error)).toBe(ErrorCode.STORE_MISCONFIGURED);
      assertNoSecret(error);
    });

    it("the right password works, and outage errors carry no password", async () => {
      const store = storeAt(`:${encodeURIComponent(PASSWORD)}@`);
      const none = { store: [], registry: [], host: [] };
      // The public client holds the password in its options: neither JSON.stringify, inspection
      // nor structuredClone of the store, or of a registry or host on it, shows it.
      expect(leakedSecretsAround(store, [PASSWORD]), "before start()").toEqual(none);
      await store.start();
      expect(leakedSecretsAround(store, [PASSWORD]), "started").toEqual(none);
      expect(JSON.stringify(store)).toContain('"keyPrefix":"auth:"');
      for (const depth of [2, Number.POSITIVE_INFINITY]) {
        const shown = inspect(store, { depth, showHidden: true });
        expect(shown).toContain("RedisSessionKVStore");
        expect(leakedSecrets(shown, [PASSWORD])).toEqual([]);
      }
      await store.set("k", bytes("v"), 60_000);
      expect(text(await store.get("k"))).toBe("v");
      await server().pause();
      try {
        const { error } = await rejection(() => store.get("k"));
        expect(codeOf(error)).toBe(ErrorCode.STORE_UNAVAILABLE);
        assertNoSecret(error);
      } finally {
        await server().unpause();
      }
    });

    it("an ACL user from the URL works in its key space and is refused elsewhere", async () => {
      const store = storeAt(`${USER}:${encodeURIComponent(USER_PASSWORD)}@`, "acl:");
      await store.start();
      await store.mset([
        { key: "a", value: bytes("1"), ttlMs: 60_000 },
        { key: "b", value: bytes("2"), ttlMs: 60_000 },
      ]);
      await store.expire(["a"], 30_000);
      expect((await store.mget(["a", "b"])).map(text)).toEqual(["1", "2"]);
      expect((await store.keys("")).sort()).toEqual(["a", "b"]);
      await store.set("sessions/c/s", bytes("3"), 60_000);
      expect(await store.keys("sessions/c/")).toEqual(["sessions/c/s"]);
      // A claim and its release, the script included, within the user's keys.
      expect(await store.setIfAbsent("sessions/c/seat", bytes("me"), 60_000)).toBe(true);
      expect(await store.deleteIfEquals("sessions/c/seat", bytes("other"))).toBe(false);
      expect(await store.deleteIfEquals("sessions/c/seat", bytes("me"))).toBe(true);
      await store.delete(["a", "b", "sessions/c/s"]);
      expect(await store.keys("")).toEqual([]);

      const outside = storeAt(`${USER}:${encodeURIComponent(USER_PASSWORD)}@`, "elsewhere:");
      await outside.start();
      const { error } = await rejection(() => outside.set("k", bytes("v"), 60_000));
      expect(codeOf(error)).toBe(ErrorCode.STORE_MISCONFIGURED);
      expect(everythingSaidBy(error)).toContain("NOPERM");
      assertNoSecret(error);
      const refused = await rejection(() => outside.deleteIfEquals("k", bytes("v")));
      expect(codeOf(refused.error)).toBe(ErrorCode.STORE_MISCONFIGURED);
      expect(everythingSaidBy(refused.error)).toContain("NOPERM");
    });
  });
});
