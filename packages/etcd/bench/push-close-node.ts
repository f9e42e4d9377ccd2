// A node process of push-close.bench.ts: two hosts (push on, push off) on a store of its own.
import { pushCloseBenchNode } from "@sessionkv/conformance/testing";
import { EtcdSessionKVStore } from "@sessionkv/etcd";

await pushCloseBenchNode(
  () =>
    new EtcdSessionKVStore({
      hosts: (process.env.BENCH_ETCD_HOSTS as string).split(","),
      keyPrefix: "bench-push:",
    }),
);
