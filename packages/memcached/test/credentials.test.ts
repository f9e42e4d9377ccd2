import { leakedSecrets, leakedSecretsAround } from "@sessionkv/conformance/testing";
import { isSessionKVError } from "@sessionkv/core";
import { requireContainers, startMemcached } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import { describe, expect, it } from "vitest";
import { MemcachedSessionKVStore } from "../src/index.js";

// A server started with `-S` (SASL required) and memcached's own password file. The local
// Debian-built image has Cyrus SASL without its PLAIN plugin (libsasl2-modules is not
// installed), and memjs speaks only PLAIN, so no login can succeed against it: both cases
// below are a real SASL server refusing the client, which is what they test.
const gate = await requireContainers();
const PASSWORD = "wr0ng-pw";

const saslServer = {
  name: "memcached -S",
  start: () =>
    startMemcached({
      command: [
        "sh",
        "-c",
        'mkdir -p /tmp/sasl && printf "mech_list: plain\\n" > /tmp/sasl/memcached.conf && ' +
          'printf "app:right-pw\\n" > /tmp/sasl/passwords && exec memcached -S -u nobody -l 0.0.0.0',
      ],
      env: { SASL_CONF_PATH: "/tmp/sasl", MEMCACHED_SASL_PWDB: "/tmp/sasl/passwords" },
    }),
};

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (e: unknown) => e,
  );

describe("credentials refused", () => {
  forEachTarget([saslServer], { run: gate.run }, ({ server, track }) => {
    it("a refused SASL login rejects start() with ERR_STORE_MISCONFIGURED, the password nowhere in it", async () => {
      const store = track(
        new MemcachedSessionKVStore({
          servers: `app:${PASSWORD}@${server().endpoint}`,
          operationTimeoutMs: 5_000,
        }),
      );
      const none = { store: [], registry: [], host: [] };
      // Neither JSON.stringify, inspection nor structuredClone of the store, or of a registry or
      // host on it, shows the SASL password, before or after the login.
      expect(leakedSecretsAround(store, [PASSWORD]), "before start()").toEqual(none);
      const error = await failure(store.start());
      expect(isSessionKVError(error, "ERR_STORE_MISCONFIGURED")).toBe(true);
      expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(PASSWORD);
      expect(String((error as Error).stack)).not.toContain(PASSWORD);
      expect(leakedSecrets(error, [PASSWORD])).toEqual([]);
      expect(leakedSecretsAround(store, [PASSWORD]), "after the refused login").toEqual(none);
    });

    it("no credentials for a server that requires them: start() rejects with ERR_STORE_MISCONFIGURED", async () => {
      const store = track(
        new MemcachedSessionKVStore({ servers: server().endpoint, operationTimeoutMs: 5_000 }),
      );
      expect(isSessionKVError(await failure(store.start()), "ERR_STORE_MISCONFIGURED")).toBe(true);
    });
  });
});
