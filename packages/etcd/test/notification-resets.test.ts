import { TcpProxy, bytes, eventually, text } from "@sessionkv/conformance/testing";
import { etcdTargets, requireContainers } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import { describe, expect, it } from "vitest";
import { EtcdSessionKVStore } from "../src/index.js";
import { hostsOf, rawClient } from "./helpers.js";

// The two cases a watch cannot resume from its revision (README, "Notifications"): the revision
// was compacted while the subscriber was cut off, and the server came back with an empty data
// directory (its revision went back). Both must reset the subscriber and deliver later messages.
const gate = await requireContainers();

describe("notification watches that cannot resume", () => {
  forEachTarget(etcdTargets(), { run: gate.run }, ({ server, track }) => {
    async function subscribedThroughProxy() {
      const proxy = await TcpProxy.start(new URL(hostsOf(server())));
      track({ close: () => proxy.close() });
      const store = track(
        new EtcdSessionKVStore({ hosts: proxy.url, keyPrefix: "resets:", operationTimeoutMs: 2_000 }),
      );
      await store.start();
      const heard: string[] = [];
      let resets = 0;
      await store.notifications!.subscribe(
        "ch",
        (p) => heard.push(String(text(p))),
        () => void resets++,
      );
      return { proxy, store, heard, resets: () => resets };
    }

    it("resets after its revision was compacted while it was cut off, then delivers", async () => {
      const { proxy, store, heard, resets } = await subscribedThroughProxy();
      const publisher = track(new EtcdSessionKVStore({ hosts: hostsOf(server()), keyPrefix: "resets:" }));
      await publisher.start();
      await publisher.notifications!.publish("ch", bytes("before"));
      await eventually(async () => expect(heard).toEqual(["before"]));
      proxy.drop(1_500);
      for (let i = 0; i < 5; i++) await publisher.notifications!.publish("ch", bytes(`missed-${i}`));
      const raw = rawClient(server());
      try {
        const { header } = await raw.kv.range({ key: Buffer.from("resets:"), limit: 1 });
        await raw.kv.compact({ revision: header.revision, physical: true });
      } finally {
        raw.close();
      }
      await eventually(async () => expect(resets()).toBeGreaterThanOrEqual(1), { withinMs: 20_000 });
      await eventually(async () => {
        await publisher.notifications!.publish("ch", bytes("after"));
        expect(heard).toContain("after");
      });
      await store.close();
    });

    it("resets after the server came back empty, then delivers", async () => {
      const { store, heard, resets } = await subscribedThroughProxy();
      // Revisions the restarted server will not reach for a while.
      for (let i = 0; i < 20; i++) await store.notifications!.publish("ch", bytes(`old-${i}`));
      await eventually(async () => expect(heard).toHaveLength(20));
      await server().exec(["sh", "-c", "rm -rf /tmp/etcd-data"]);
      await server().restart();
      await eventually(async () => expect(resets()).toBeGreaterThanOrEqual(1), { withinMs: 30_000 });
      await eventually(
        async () => {
          await store.notifications!.publish("ch", bytes("after"));
          expect(heard).toContain("after");
        },
        { withinMs: 30_000 },
      );
    });
  });
});
