import { pushCloseBench } from "@sessionkv/conformance/testing";
import { RedisSessionKVStore } from "@sessionkv/redis";
// Push close against polling on Redis (README, "Notifications"; core README, "Push close"): two
// node processes and this driver, the default 5 s interval, closes timed from requestClose to the
// owner's close callback with push on and off in the same run, then with every subscriber
// connection killed mid-run (CLIENT KILL TYPE pubsub, repeated for a second).
//
//   SESSIONKV_LOCAL_IMAGES=1 node bench/push-close.bench.ts      (from packages/redis, after a build)
import { startRedis } from "@sessionkv/test-kit";
import { Redis } from "ioredis";

const server = await startRedis();
const url = server.url as string;
const store = new RedisSessionKVStore({ url, keyPrefix: "bench-push:" });
const admin = new Redis(url);
try {
  await store.start();
  await pushCloseBench({
    label: `redis (${server.image})`,
    store,
    nodeScript: new URL("./push-close-node.ts", import.meta.url),
    env: { BENCH_REDIS_URL: url },
    // Killed again and again for a second: doorbells rung meanwhile are lost, as in an outage
    // of the subscriber connection; a single kill heals within a reconnect.
    cutSubscribers: async () => {
      const until = Date.now() + 1_000;
      while (Date.now() < until) {
        await admin.call("CLIENT", "KILL", "TYPE", "pubsub");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  });
} finally {
  admin.disconnect();
  await store.close();
  await server.stop();
}
