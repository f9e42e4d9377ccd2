import { memcachedTargets, requireContainers } from "@sessionkv/test-kit";
import { describeOutageScenarios } from "@sessionkv/test-kit/vitest";
import memjs from "memjs";
import { MemcachedSessionKVStore } from "../src/index.js";

// The server is stopped, silent (paused), restarted or not there under a running store: every
// operation rejects with ERR_STORE_UNAVAILABLE within the timeout, the driver's error attached
// and no credential in it, and the store recovers by itself once a server is back.
const gate = await requireContainers();

/** The credentials make memjs authenticate; these servers have no SASL and accept the session anyway. */
const PASSWORD = "s3cr3t-pw";

describeOutageScenarios("server outages", memcachedTargets(), {
  run: gate.run,
  operationTimeoutMs: 1_500,
  // Scheduling slack on a loaded two-core machine; the bound checked is the store's own timeout.
  slackMs: 1_000,
  createStore: (server, settings) =>
    new MemcachedSessionKVStore({ servers: `app:${PASSWORD}@${server.endpoint}`, ...settings }),
  createStoreWithClient: (server, settings, defer) => {
    const client = memjs.Client.create(server.endpoint, { logger: { log: () => undefined } });
    defer(() => client.close());
    return new MemcachedSessionKVStore({ client, ...settings });
  },
  secrets: [PASSWORD],
  driverCauseWhen: { stopped: true },
  // No persistence: a restart loses data and index alike.
  restartKeepsData: false,
  // A new server on the same port: memjs reconnects to the address it was given.
  recoversOnNewServer: true,
});
