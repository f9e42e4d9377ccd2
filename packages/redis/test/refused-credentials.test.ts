import { bytes, codeOf, eventually, leakedSecrets, rejection } from "@sessionkv/conformance/testing";
import { ErrorCode } from "@sessionkv/core";
import { backendTargets, redisTargets, requireContainers } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import { Cluster, Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { RedisSessionKVStore } from "../src/index.js";
import { rawClient, urlOf } from "./helpers.js";

// README, "Errors": credentials the server refuses are ERR_STORE_MISCONFIGURED however the
// refusal reaches the store: at start, on a reconnection after the password changed, or through
// a Cluster client whose ACL lacks the commands ioredis needs to become ready.
const gate = await requireContainers();

describe("refused credentials", () => {
  forEachTarget(redisTargets().slice(0, 1), { run: gate.run }, ({ server, track }) => {
    it("a password changed while running: ERR_STORE_MISCONFIGURED once the connection is re-made", async () => {
      const admin = track(rawClient(server()), (client) => client.disconnect());
      await admin.connect();
      await admin.call("ACL", "SETUSER", "rotating", "reset", "on", ">old-pass", "~*", "+@all");
      const store = track(
        new RedisSessionKVStore({
          url: urlOf(server(), "rotating:old-pass@"),
          keyPrefix: "rot:",
          operationTimeoutMs: 1_000,
        }),
      );
      await store.start();
      await store.set("k", bytes("v"), 60_000);
      await admin.call("ACL", "SETUSER", "rotating", "resetpass", ">new-pass");
      await admin.call("CLIENT", "KILL", "USER", "rotating");
      await eventually(async () => {
        const { error } = await rejection(() => store.get("k"));
        expect(codeOf(error)).toBe(ErrorCode.STORE_MISCONFIGURED);
        expect(leakedSecrets(error, ["old-pass", "new-pass"])).toEqual([]);
      });
      // Fixed on the server side: the store heals by itself.
      await admin.call("ACL", "SETUSER", "rotating", "resetpass", ">old-pass");
      await eventually(async () => expect(await store.get("k")).not.toBeNull(), { withinMs: 10_000 });
    });
  });

  forEachTarget(backendTargets(["redis-cluster"]), { run: gate.run }, ({ server, track }) => {
    for (const missing of ["cluster|slots", "cluster|info"]) {
      it(`a Cluster ACL without ${missing}: start() rejects with ERR_STORE_MISCONFIGURED`, async () => {
        const user = `no-${missing.replace("|", "-")}`;
        const { host, ports } = server();
        // ACL users are per node: every node gets the same one.
        for (const port of ports) {
          const node = track(new Redis({ host, port, lazyConnect: true }), (c) => c.disconnect());
          node.on("error", () => undefined);
          await node.connect();
          await node.call("ACL", "SETUSER", user, "reset", "on", ">pw", "~*", "+@all", `-${missing}`);
        }
        const cluster = track(
          new Cluster(
            ports.map((port) => ({ host, port })),
            { redisOptions: { username: user, password: "pw" }, lazyConnect: true },
          ),
          (client) => client.disconnect(),
        );
        cluster.on("error", () => undefined);
        const store = track(new RedisSessionKVStore({ client: cluster, operationTimeoutMs: 3_000 }));
        const { error } = await rejection(() => store.start());
        expect(codeOf(error)).toBe(ErrorCode.STORE_MISCONFIGURED);
        expect(String((error as Error).message)).toContain("NOPERM");
      });
    }
  });
});
