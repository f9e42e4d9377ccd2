// Push close against polling on Redis (README, "Notifications"; core README, "Push close"): two
// node processes and this driver, the default 5 s interval, closes timed from requestClose to the
// owner's close callback with push on and off in the same run, then with every subscriber
// connection killed mid-run (CLIENT KILL TYPE pubsub).
//
//   SESSIONKV_LOCAL_IMAGES=1 node bench/push-close.bench.ts      (from packages/redis, after a build)
import { startRedis } from "@sessionkv/conformance/containers";
import { pushCloseBench } from "@sessionkv/conformance/testing";
import { RedisSessionKVStore } from "@sessionkv/redis";
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
    cutSubscribers: async () => {
      await admin.call("CLIENT", "KILL", "TYPE", "pubsub");
    },
  });
} finally {
  admin.disconnect();
  await store.close();
  await server.stop();
}
