import { bytes, text } from "@sessionkv/conformance/testing";
import { redisTargets, requireContainers } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import { describe, expect, it } from "vitest";
import { RedisSessionKVStore } from "../src/index.js";
import { urlOf } from "./helpers.js";

// An mget past one MGET's 1,000 keys goes out in several commands; on a standalone server their
// replies are laid end to end rather than matched back through a map (the heartbeat's read of
// every session and close flag). Order, missing keys and repeats must come out as for one MGET.
const gate = await requireContainers();

describe("RedisSessionKVStore mget over several MGETs", () => {
  forEachTarget(redisTargets(), { run: gate.run }, ({ server, track }) => {
    it("answers 2,500 keys in order, missing and repeated ones included", async () => {
      const store = track(new RedisSessionKVStore({ url: urlOf(server()), keyPrefix: "batches:" }));
      await store.start();
      const written = Array.from({ length: 2_000 }, (_, i) => `k${i}`);
      await store.mset(written.map((key) => ({ key, value: bytes(key), ttlMs: 60_000 })));
      const asked = [...written].reverse();
      for (let i = 0; i < 500; i++) asked.splice(i * 5, 0, i % 2 === 0 ? `missing${i}` : `k${i}`);
      const values = await store.mget(asked);
      expect(values.map(text)).toEqual(asked.map((key) => (key.startsWith("missing") ? null : key)));
    });
  });
});
