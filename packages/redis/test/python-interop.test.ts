import { SessionRegistry, silentLogger } from "@sessionkv/core";
import { redisTargets, requireContainers } from "@sessionkv/test-kit";
import { forEachTarget } from "@sessionkv/test-kit/vitest";
import type { Redis } from "ioredis";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_KEY_PREFIX,
  type ListingMode,
  RedisSessionKVStore,
  VISION_AGENTS_KEY_PREFIX,
} from "../src/index.js";
import { rawClient, urlOf } from "./helpers.js";

// The README's "Sharing a store with Python nodes" claims that only Redis shows: the original's
// RedisSessionKVStore writes `key_prefix + key` with SET … PX, and lists with an unescaped
// `SCAN MATCH key_prefix + prefix + "*"`. The raw client below does exactly that.
const gate = await requireContainers();

// json.dumps(SessionInfo.to_dict()) of a session a Python node registered (metrics trimmed to two).
const pythonRecord = (callId: string, sessionId: string): string =>
  `{"session_id": ${JSON.stringify(sessionId)}, "call_id": ${JSON.stringify(callId)}, "node_id": "py-node", ` +
  '"started_at": 1763716274.5, "metrics_updated_at": 1763716274.5, ' +
  '"metrics": {"llm_latency_ms__avg": null, "llm_input_tokens__total": 0}}';

describe("sharing a Redis with Python nodes", () => {
  // One server is enough: these claims are about the wire format, not about server versions.
  forEachTarget(redisTargets().slice(0, 1), { run: gate.run }, ({ server, track }) => {
    let raw: Redis;
    const registryOn = async (keyPrefix?: string, listing?: ListingMode): Promise<SessionRegistry> => {
      const store = track(
        new RedisSessionKVStore({
          url: urlOf(server()),
          ...(keyPrefix === undefined ? {} : { keyPrefix }),
          ...(listing === undefined ? {} : { listing }),
        }),
      );
      const registry = new SessionRegistry({ store, nodeId: "ts-node", ttlMs: 60_000, logger: silentLogger });
      await registry.start();
      return registry;
    };
    // The original's `set(key, value, ttl)`: SET key_prefix+key value PX ttl*1000.
    const pythonSet = (key: string, value: string) =>
      raw.set(`${VISION_AGENTS_KEY_PREFIX}${key}`, value, "PX", 30_000);

    beforeAll(async () => {
      raw = track(rawClient(server()), (client) => client.disconnect());
      await raw.connect();
    });
    afterEach(async () => {
      await raw.flushall();
    });

    it("prefix: with the defaults the fleets never see each other; with VISION_AGENTS_KEY_PREFIX they do", async () => {
      expect(DEFAULT_KEY_PREFIX).toBe("sessionkv:");
      expect(VISION_AGENTS_KEY_PREFIX).toBe("vision_agents:");
      await pythonSet("sessions/c/py", pythonRecord("c", "py"));

      expect(await (await registryOn()).getForCall("c")).toEqual([]);

      const shared = await registryOn(VISION_AGENTS_KEY_PREFIX);
      expect((await shared.getForCall("c")).map((s) => s.sessionId)).toEqual(["py"]);
      await shared.register("c", "ts");
      const written = JSON.parse((await raw.get("vision_agents:sessions/c/ts")) ?? "null") as Record<
        string,
        unknown
      >;
      // SessionInfo's six fields, in to_dict's order, then ttl_ms, which from_dict drops.
      expect(Object.keys(written)).toEqual([
        "session_id",
        "call_id",
        "node_id",
        "started_at",
        "metrics_updated_at",
        "metrics",
        "ttl_ms",
      ]);
      expect(await shared.requestClose("c", "py")).toBe(true);
      // The original's get_close_requests: MGET of the close keys, "not None" means requested; the
      // flag's content (the registration it targets, core README "Close flags") is not read.
      const [flag] = await raw.mget("vision_agents:close_requests/c/py");
      expect(flag).not.toBeNull();
      expect(JSON.parse(flag ?? "null")).toMatchObject({ node_id: "py-node" });
    });

    // The original's keys(prefix): SCAN MATCH key_prefix + prefix + "*", the prefix unescaped.
    const pythonKeys = async (prefix: string): Promise<string[]> => {
      const listed: string[] = [];
      let cursor = "0";
      do {
        const [next, keys] = await raw.scan(
          cursor,
          "MATCH",
          `${VISION_AGENTS_KEY_PREFIX}${prefix}*`,
          "COUNT",
          1000,
        );
        listed.push(...keys);
        cursor = next;
      } while (cursor !== "0");
      return listed.sort();
    };

    it("listing: Python-written sessions are listed by index+scan (the default on the Python prefix) and scan, not by index", async () => {
      await pythonSet("sessions/m/py", pythonRecord("m", "py"));
      const ids = async (registry: SessionRegistry) =>
        (await registry.getForCall("m")).map((s) => s.sessionId).sort();

      const mixed = await registryOn(VISION_AGENTS_KEY_PREFIX);
      await mixed.register("m", "ts");
      expect(await ids(mixed)).toEqual(["py", "ts"]);
      expect(await ids(await registryOn(VISION_AGENTS_KEY_PREFIX, "scan"))).toEqual(["py", "ts"]);
      // The index only knows what TypeScript nodes wrote.
      expect(await ids(await registryOn(VISION_AGENTS_KEY_PREFIX, "index"))).toEqual(["ts"]);
      // Python's own listing sees both records, and never the index's sorted set.
      expect(await pythonKeys("sessions/m/")).toEqual([
        "vision_agents:sessions/m/py",
        "vision_agents:sessions/m/ts",
      ]);
      expect((await pythonKeys("")).filter((key) => key.includes("\u0000"))).toHaveLength(1);
    });

    it("glob: Python's listing of call 'q*' also lists call 'qa'; this project's lists 'q*' only", async () => {
      await pythonSet("sessions/q*/s1", pythonRecord("q*", "s1"));
      await pythonSet("sessions/qa/s2", pythonRecord("qa", "s2"));
      expect(await pythonKeys("sessions/q*/")).toEqual([
        "vision_agents:sessions/q*/s1",
        "vision_agents:sessions/qa/s2",
      ]);

      const registry = await registryOn(VISION_AGENTS_KEY_PREFIX);
      expect((await registry.getForCall("q*")).map((s) => `${s.callId}/${s.sessionId}`)).toEqual(["q*/s1"]);
    });
  });
});
