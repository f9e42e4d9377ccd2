import { defaultImage, requireContainers, startBackend } from "@sessionkv/test-kit";
import { describeBackend } from "@sessionkv/test-kit/vitest";
import { afterAll } from "vitest";
import { proxiedStores } from "./helpers.js";

// The notification cases and push close's fallback on a 3-member cluster (the single server
// runs them in conformance.test.ts): the watch stream of a store whose connections to every
// member were cut resumes on whichever member answers, and its subscribers are reset.
const gate = await requireContainers();
const proxied = proxiedStores();
afterAll(() => proxied.closeAll());

const cluster = {
  name: "etcd-cluster (3 members)",
  start: () => startBackend("etcd-cluster", { image: defaultImage("etcd-cluster") }),
};

describeBackend("notifications on a 3-member cluster", [cluster], {
  run: gate.run,
  filter: "notifications",
  ...proxied.suiteOptions(),
});
