import {
  bytes,
  codeOf,
  eventually,
  leakedSecrets,
  leakedSecretsAround,
  rejection,
  text,
} from "@sessionkv/conformance/testing";
import { ErrorCode } from "@sessionkv/core";
import { etcdTargets, requireContainers } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import { type Etcd3, EtcdRoleExistsError, EtcdUserExistsError } from "etcd3";
import { beforeAll, describe, expect, it } from "vitest";
import { EtcdSessionKVStore } from "../src/index.js";
import { hostsOf, rawClient } from "./helpers.js";

// A server with authentication enabled: the right password works, a wrong one is reported as
// ERR_STORE_MISCONFIGURED, a role without access to the namespace too, and no error (message,
// stack, cause chain) ever carries a password.
const gate = await requireContainers();

const ROOT_PASSWORD = "R00t:p@ss/wörd%";
const USER = "skv-user";
const USER_PASSWORD = "Us3r-p@ss:w0rd";
const WRONG = "Wr0ng:p@ss/wörd%";

function assertNoSecret(error: unknown): void {
  expect(leakedSecrets(error, [ROOT_PASSWORD, USER_PASSWORD, WRONG])).toEqual([]);
}

describe("credentials", () => {
  forEachTarget(etcdTargets(), { run: gate.run }, ({ server, track }) => {
    let admin: Etcd3;
    const storeAs = (username: string, password: string, keyPrefix = "auth:"): EtcdSessionKVStore =>
      track(
        new EtcdSessionKVStore({
          hosts: hostsOf(server()),
          auth: { username, password },
          keyPrefix,
          operationTimeoutMs: 2_000,
        }),
      );

    beforeAll(async () => {
      const setup = rawClient(server());
      // Each step retried on a loaded machine (etcd may answer "request timed out" while it
      // still applies the request): "already exists" then means the earlier attempt landed.
      const step = (work: () => Promise<unknown>) =>
        eventually(
          () =>
            work().catch((error: unknown) =>
              error instanceof EtcdUserExistsError || error instanceof EtcdRoleExistsError
                ? undefined
                : Promise.reject(error),
            ),
          { withinMs: 5_000, pauseMs: 500 },
        );
      try {
        // etcd requires a root user with the root role before auth can be enabled.
        await step(() => setup.user("root").create(ROOT_PASSWORD));
        await step(() => setup.user("root").addRole("root"));
        await step(() => setup.role("skv").create());
        await step(() =>
          setup.role("skv").grant({ permission: "Readwrite", range: setup.range({ prefix: "auth:" }) }),
        );
        await step(() => setup.user(USER).create(USER_PASSWORD));
        await step(() => setup.user(USER).addRole("skv"));
        await step(() => setup.auth.authEnable());
      } finally {
        setup.close();
      }
      admin = track(rawClient(server(), { auth: { username: "root", password: ROOT_PASSWORD } }));
    });

    it("the right credentials work for every operation, leases included", async () => {
      const store = storeAs(USER, USER_PASSWORD);
      await store.start();
      await store.set("k", bytes("v"), 60_000);
      await store.mset([{ key: "m", value: bytes("w"), ttlMs: 60_000 }]);
      await store.expire(["k"], 60_000);
      expect((await store.mget(["k", "m"])).map(text)).toEqual(["v", "w"]);
      expect((await store.keys("")).sort()).toEqual(["k", "m"]);
      await store.delete(["k", "m"]);
      expect(await store.keys("")).toEqual([]);
      // Neither JSON.stringify, inspection nor structuredClone of the store, or of a registry or
      // host on it, shows the password the client authenticates with.
      expect(leakedSecretsAround(store, [USER_PASSWORD])).toEqual({ store: [], registry: [], host: [] });
    });

    it("a wrong password: ERR_STORE_MISCONFIGURED, no password anywhere in the error", async () => {
      const store = storeAs(USER, WRONG);
      const { error } = await rejection(() => store.start());
      expect(codeOf(error)).toBe(ErrorCode.STORE_MISCONFIGURED);
      assertNoSecret(error);
    });

    it("no user at all on a cluster with authentication: ERR_STORE_MISCONFIGURED", async () => {
      const store = track(
        new EtcdSessionKVStore({ hosts: hostsOf(server()), keyPrefix: "auth:", operationTimeoutMs: 2_000 }),
      );
      const { error } = await rejection(() => store.start());
      expect(codeOf(error)).toBe(ErrorCode.STORE_MISCONFIGURED);
    });

    it("a namespace the user's role does not cover: ERR_STORE_MISCONFIGURED, no password in the error", async () => {
      const store = storeAs(USER, USER_PASSWORD, "elsewhere:");
      const { error } = await rejection(() => store.start());
      expect(codeOf(error)).toBe(ErrorCode.STORE_MISCONFIGURED);
      assertNoSecret(error);
    });

    it("errors during an outage carry no password either", async () => {
      const store = storeAs("root", ROOT_PASSWORD);
      await store.start();
      await server().pause();
      try {
        const { error } = await rejection(() => store.set("k", bytes("v"), 60_000));
        expect(codeOf(error)).toBe(ErrorCode.STORE_UNAVAILABLE);
        assertNoSecret(error);
      } finally {
        await server().unpause();
      }
      expect(await admin.get("auth:none").string()).toBeNull();
    });
  });
});
