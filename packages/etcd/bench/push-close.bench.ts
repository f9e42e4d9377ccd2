import { TcpProxy, pushCloseBench } from "@sessionkv/conformance/testing";
import { EtcdSessionKVStore } from "@sessionkv/etcd";
// Push close against polling on etcd (README, "Notifications"; core README, "Push close"): two
// node processes and this driver, the default 5 s interval, closes timed from requestClose to the
// owner's close callback with push on and off in the same run, then with the node processes'
// connections (their watch streams included) cut mid-run by the proxy they reach etcd through.
//
//   SESSIONKV_LOCAL_IMAGES=1 node bench/push-close.bench.ts      (from packages/etcd, after a build)
import { startEtcd } from "@sessionkv/test-kit";

const server = await startEtcd();
const proxy = await TcpProxy.start(new URL(server.url as string));
const store = new EtcdSessionKVStore({ hosts: server.url as string, keyPrefix: "bench-push:" });
try {
  await store.start();
  await pushCloseBench({
    label: `etcd (${server.image})`,
    store,
    nodeScript: new URL("./push-close-node.ts", import.meta.url),
    env: { BENCH_ETCD_HOSTS: proxy.url },
    cutSubscribers: async () => proxy.drop(1_000),
  });
} finally {
  await store.close();
  await proxy.close();
  await server.stop();
}
