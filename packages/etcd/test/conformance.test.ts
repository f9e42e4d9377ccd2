import { etcdTargets, requireContainers } from "@sessionkv/test-kit";
import { describeBackend } from "@sessionkv/test-kit/vitest";
import { afterAll } from "vitest";
import { proxiedStores } from "./helpers.js";

// The whole suite (store contract and registry scenarios) against etcd 3.4 and 3.5 by default,
// or SESSIONKV_IMAGE_ETCD. Every store creates (and closes) its own client.
const gate = await requireContainers();

// Each store goes through proxies of its own, so that the notification case that kills a
// subscriber's connection cuts exactly that store's watch stream (helpers.ts, proxiedStores).
const proxied = proxiedStores();
afterAll(() => proxied.closeAll());

describeBackend("conformance", etcdTargets(), {
  run: gate.run,
  ...proxied.suiteOptions(),
});
