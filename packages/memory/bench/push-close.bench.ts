// Push close against polling on the in-memory store (README, "Notifications"; core README, "Push
// close"): the nodes are hosts of this process, since no other process shares an in-memory store;
// the default 5 s interval, push on and off side by side in the same run. No subscriber cut: an
// in-process delivery has no connection to lose.
//
//   node bench/push-close.bench.ts      (from packages/memory, after a build)
import { pushCloseBench } from "@sessionkv/conformance/testing";
import { InMemorySessionKVStore } from "@sessionkv/memory";

const store = new InMemorySessionKVStore();
await store.start();
// Every timer of the store and the hosts is unref'd; with no socket open, this keeps the run alive.
const keepAlive = setInterval(() => undefined, 1_000);
try {
  await pushCloseBench({
    label: "memory",
    store,
    inProcess: true,
    nodeScript: new URL(import.meta.url),
  });
} finally {
  clearInterval(keepAlive);
  await store.close();
}
