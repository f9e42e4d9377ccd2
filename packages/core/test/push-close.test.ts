import { afterEach, describe, expect, it } from "vitest";
import { SessionHost, SessionRegistry, closeRequestKey, silentLogger } from "../src/index.js";
import { sleep } from "../src/store-kit.js";
import { interceptStore, recordingLogger, waitFor } from "../src/testing/index.js";
import { NotifyingReferenceStore } from "./support/notifying-reference-store.js";

// Push close over a store with notifications: a doorbell on the owner's node channel makes it
// read the one flag now, with the poll's checks; the poll itself is unchanged. The interval is
// long here so that anything closed within the test was closed by the doorbell.
const INTERVAL_MS = 20_000;
const TTL_MS = 120_000;

const stores: NotifyingReferenceStore[] = [];
const hosts: SessionHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop().catch(() => undefined)));
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

function store(): NotifyingReferenceStore {
  const made = new NotifyingReferenceStore();
  stores.push(made);
  return made;
}

function host(
  on: ConstructorParameters<typeof SessionRegistry>[0]["store"],
  nodeId: string,
  options: Partial<ConstructorParameters<typeof SessionHost>[0]> = {},
): SessionHost {
  const made = new SessionHost({
    registry: new SessionRegistry({ store: on, nodeId, ttlMs: TTL_MS, logger: silentLogger }),
    maintenanceIntervalMs: INTERVAL_MS,
    logger: recordingLogger(),
    ...options,
  });
  hosts.push(made);
  return made;
}

function closeable() {
  const reasons: string[] = [];
  return { reasons, session: { close: (reason: string) => void reasons.push(reason) } };
}

describe("push close", () => {
  it("a close requested on another node reaches the owner in milliseconds, not on its next cycle", async () => {
    const shared = store();
    const owner = host(shared, "A");
    const other = host(shared, "B");
    await Promise.all([owner.start(), other.start()]);
    await waitFor(() => owner.doorbellSubscribed, 5_000, "owner subscribed");
    expect(owner.pushClose).toBe(true);
    const { reasons, session } = closeable();
    await owner.add("c", "s", session);
    const begin = performance.now();
    await other.requestClose("c", "s");
    await waitFor(() => reasons.length > 0, 5_000, "closed");
    expect(performance.now() - begin).toBeLessThan(1_000);
    expect(reasons).toEqual(["close-requested"]);
    expect(owner.sessions.size).toBe(0);
  });

  it("with pushClose: false the owner polls only", async () => {
    const shared = store();
    const owner = host(shared, "A", { pushClose: false });
    const other = host(shared, "B");
    await Promise.all([owner.start(), other.start()]);
    expect(owner.pushClose).toBe(false);
    const { reasons, session } = closeable();
    await owner.add("c", "s", session);
    await other.requestClose("c", "s");
    await sleep(100);
    expect(reasons).toEqual([]);
    await owner.runCycle();
    await waitFor(() => reasons.length > 0, 5_000, "closed by the poll");
  });

  it("refuses a pushClose that is not a boolean", () => {
    expect(() => host(store(), "A", { pushClose: "yes" as never })).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARGUMENT" }),
    );
  });

  it("a doorbell without a flag closes nothing; one for a flag naming another registration neither", async () => {
    const shared = store();
    const owner = host(shared, "A");
    await owner.start();
    await waitFor(() => owner.doorbellSubscribed, 5_000, "owner subscribed");
    const { reasons, session } = closeable();
    await owner.add("c", "s", session);
    const ring = new TextEncoder().encode(
      JSON.stringify({ v: 1, type: "close", call_id: "c", session_id: "s" }),
    );
    await shared.notifications.publish("node/A", ring);
    const flag = new TextEncoder().encode(JSON.stringify({ node_id: "A", started_at: 1 }));
    await shared.set(closeRequestKey("c", "s"), flag, TTL_MS);
    await shared.notifications.publish("node/A", ring);
    await sleep(50);
    expect(reasons).toEqual([]);
  });

  it("ignores and logs payloads of another writer or version, and keeps working", async () => {
    const shared = store();
    const logger = recordingLogger();
    const owner = host(shared, "A", { logger });
    const other = host(shared, "B");
    await Promise.all([owner.start(), other.start()]);
    await waitFor(() => owner.doorbellSubscribed, 5_000, "owner subscribed");
    const { reasons, session } = closeable();
    await owner.add("c", "s", session);
    const foreign = [
      "not json",
      "[1]",
      '{"v":2,"type":"close"}',
      '{"v":1,"type":"explode"}',
      '{"v":1,"type":"close"}',
    ];
    for (const payload of foreign)
      await shared.notifications.publish("node/A", new TextEncoder().encode(payload));
    await shared.notifications.publish("node/A", new Uint8Array([0xff, 0xfe]));
    await sleep(20);
    const ignored = logger.warnings.filter((w) => w.includes("ignored a message"));
    expect(ignored).toHaveLength(foreign.length + 1);
    await other.requestClose("c", "s");
    await waitFor(() => reasons.length > 0, 5_000, "closed after the foreign payloads");
  });

  it("a flood of doorbells costs one flag read per session per round, not one per message", async () => {
    const inner = store();
    let flagReads = 0;
    const counted = interceptStore(inner, (operation, keys) => {
      if (operation === "mget" && keys.some((k) => k.startsWith("close_requests/"))) flagReads++;
    });
    const owner = host(counted, "A");
    await owner.start();
    await waitFor(() => owner.doorbellSubscribed, 5_000, "owner subscribed");
    await owner.runCycle();
    const sessions = ["s1", "s2", "s3"];
    for (const id of sessions) await owner.add("c", id, closeable().session);
    flagReads = 0;
    const ring = (id: string) =>
      new TextEncoder().encode(JSON.stringify({ v: 1, type: "close", call_id: "c", session_id: id }));
    await Promise.all(
      Array.from({ length: 300 }, (_, i) => inner.notifications.publish("node/A", ring(sessions[i % 3]!))),
    );
    await sleep(50);
    expect(flagReads).toBeGreaterThan(0);
    expect(flagReads).toBeLessThanOrEqual(2);
  });

  it("after a reset the host runs a full cycle, which finds a close whose doorbell was lost", async () => {
    const shared = store();
    const owner = host(shared, "A");
    const other = host(shared, "B");
    await Promise.all([owner.start(), other.start()]);
    await waitFor(() => owner.doorbellSubscribed, 5_000, "owner subscribed");
    const { reasons, session } = closeable();
    await owner.add("c", "s", session);
    const cycles = owner.cycles;
    const drop = shared.dropSubscriber(30);
    await other.requestClose("c", "s");
    await sleep(10);
    expect(reasons).toEqual([]);
    await drop;
    await waitFor(() => reasons.length > 0, 5_000, "closed by the cycle after the reset");
    expect(owner.cycles).toBeGreaterThan(cycles);
  });

  it("a store without notifications is polled as before", async () => {
    const { ReferenceStore } = await import("./support/reference-store.js");
    const plain = new ReferenceStore();
    const owner = host(plain, "A");
    await owner.start();
    expect(owner.pushClose).toBe(false);
    expect(owner.doorbellSubscribed).toBe(false);
    await owner.stop();
    await plain.close();
  });

  it("stop and abandon end the subscription", async () => {
    const shared = store();
    const a = host(shared, "A");
    const b = host(shared, "B");
    await Promise.all([a.start(), b.start()]);
    await waitFor(() => a.doorbellSubscribed && b.doorbellSubscribed, 5_000, "subscribed");
    await a.stop();
    await b.abandon();
    expect(a.doorbellSubscribed).toBe(false);
    expect(b.doorbellSubscribed).toBe(false);
  });
});
