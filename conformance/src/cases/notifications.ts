import { randomBytes } from "node:crypto";
import {
  type CloseReason,
  SessionHost,
  type SessionKVStore,
  SessionRegistry,
  type StoreNotifications,
  silentLogger,
} from "@sessionkv/core";
import { recordingLogger } from "@sessionkv/core/testing";
import { assert, assertBytes, bytes, call, rejectsWithCode, sleep } from "../expect.js";
import type { CaseContext, ConformanceCase } from "../types.js";
import { HOST_SLACK_MS, hostTiming, nodeStores } from "./registry-support.js";

/** How long a message may take to arrive before a case calls it lost: generous, this is no benchmark. */
const DELIVERY_MS = 5_000;
/** How long a case listens for a message that must not come, once a message that must has come. */
const SILENCE_MS = 300;

const withNotifications = (store: SessionKVStore): string | null =>
  store.notifications === undefined
    ? "the store has no notifications (store.notifications is undefined)"
    : null;

function notificationsOf(store: SessionKVStore): StoreNotifications {
  const notifications = store.notifications;
  if (notifications === undefined) throw new Error("the store has no notifications");
  return notifications;
}

/** A subscription's messages and resets, with waits on them. */
async function inbox(store: SessionKVStore, channel: string) {
  const messages: Uint8Array[] = [];
  let resets = 0;
  const subscription = await notificationsOf(store).subscribe(
    channel,
    (payload) => messages.push(payload),
    () => void resets++,
  );
  const until = async (what: string, condition: () => boolean, ms = DELIVERY_MS) => {
    const begin = performance.now();
    while (!condition()) {
      if (performance.now() - begin > ms) throw new Error(`${what}: not within ${ms} ms`);
      await sleep(5);
    }
  };
  return {
    messages,
    subscription,
    get resets() {
      return resets;
    },
    until,
  };
}

const channelName = () => `conformance-${randomBytes(4).toString("hex")}`;

async function sharingStore(context: CaseContext): Promise<SessionKVStore | undefined> {
  const [, other] = await nodeStores(context, 2);
  return other === context.store ? undefined : other;
}

export const notificationCases: ConformanceCase[] = [
  {
    id: "notifications.delivery",
    title:
      "a message published on a channel reaches its subscribers, byte for byte, from any store of the namespace",
    requiresStore: withNotifications,
    async run(context) {
      const channel = channelName();
      const heard = await inbox(context.store, channel);
      const payload = Uint8Array.from({ length: 256 }, (_, i) => i);
      await notificationsOf(context.store).publish(channel, payload);
      await heard.until(
        "the message published on the subscriber's own store",
        () => heard.messages.length >= 1,
      );
      assertBytes(heard.messages[0], payload, "the payload received");
      const other = await sharingStore(context);
      if (other === undefined) {
        context.note("the factory's stores are each their own world: no cross-store delivery to check");
      } else {
        await notificationsOf(other).publish(channel, bytes("from another store"));
        await heard.until(
          "the message published on another store of the namespace",
          () => heard.messages.length >= 2,
        );
        assertBytes(heard.messages[1], bytes("from another store"), "the payload from another store");
      }
      await heard.subscription.close();
      assert.equal(heard.subscription.active, false, "a closed subscription is inactive");
      await notificationsOf(context.store).publish(channel, bytes("after close"));
      await sleep(SILENCE_MS);
      assert.equal(heard.messages.length, other === undefined ? 1 : 2, "nothing arrives after close()");
    },
  },
  {
    id: "notifications.isolation",
    title: "stores in different namespaces (key prefixes) on one server never hear each other's channels",
    requiresStore: withNotifications,
    async run(context) {
      const other = await context.newStore();
      if (other.notifications === undefined)
        throw new Error("a second store of the factory has no notifications");
      const channel = channelName();
      const mine = await inbox(context.store, channel);
      const theirs = await inbox(other, channel);
      await notificationsOf(context.store).publish(channel, bytes("mine"));
      await mine.until("the message in its own namespace", () => mine.messages.length === 1);
      await notificationsOf(other).publish(channel, bytes("theirs"));
      await theirs.until("the message in the other namespace", () => theirs.messages.length === 1);
      await sleep(SILENCE_MS);
      assert.equal(mine.messages.length, 1, "the first namespace heard only its own message");
      assert.equal(theirs.messages.length, 1, "the second namespace heard only its own message");
      assertBytes(mine.messages[0], bytes("mine"), "the first namespace's message");
      assertBytes(theirs.messages[0], bytes("theirs"), "the second namespace's message");
    },
  },
  {
    id: "notifications.validation",
    title:
      "bad channels and payloads reject with typed errors; a payload over maxPayloadBytes with ERR_VALUE_TOO_LARGE",
    requiresStore: withNotifications,
    async run({ store }) {
      const n = notificationsOf(store);
      assert.ok(
        Number.isInteger(n.maxPayloadBytes) && n.maxPayloadBytes > 0,
        "maxPayloadBytes is a positive integer",
      );
      const nothing = () => undefined;
      await rejectsWithCode(
        call(() => n.publish("", bytes("x"))),
        "ERR_INVALID_ARGUMENT",
        "empty channel",
      );
      await rejectsWithCode(
        call(() => n.publish("a\u0000b", bytes("x"))),
        "ERR_INVALID_ARGUMENT",
        "control character",
      );
      await rejectsWithCode(
        call(() => n.publish("ch", "x" as never)),
        "ERR_INVALID_ARGUMENT",
        "string payload",
      );
      await rejectsWithCode(
        call(() => n.publish("ch", new Uint8Array(n.maxPayloadBytes + 1))),
        "ERR_VALUE_TOO_LARGE",
        "payload over maxPayloadBytes",
      );
      await rejectsWithCode(
        call(() => n.subscribe("ch", "x" as never, nothing)),
        "ERR_INVALID_ARGUMENT",
        "onMessage",
      );
      await rejectsWithCode(
        call(() => n.subscribe("", nothing, nothing)),
        "ERR_INVALID_ARGUMENT",
        "empty channel",
      );
      const channel = channelName();
      const heard = await inbox(store, channel);
      await n.publish(channel, new Uint8Array(n.maxPayloadBytes));
      await heard.until("a payload of exactly maxPayloadBytes", () => heard.messages.length === 1);
    },
  },
  {
    id: "notifications.lifecycle",
    title:
      "publish and subscribe reject before start and after close; closing the store ends its subscriptions",
    requiresStore: withNotifications,
    async run({ newStore }) {
      const nothing = () => undefined;
      const fresh = await newStore({ start: false });
      await rejectsWithCode(
        call(() => notificationsOf(fresh).subscribe("ch", nothing, nothing)),
        "ERR_STORE_NOT_STARTED",
        "subscribe before start",
      );
      await rejectsWithCode(
        call(() => notificationsOf(fresh).publish("ch", bytes("x"))),
        "ERR_STORE_NOT_STARTED",
        "publish before start",
      );
      const store = await newStore();
      const heard = await inbox(store, channelName());
      await store.close();
      assert.equal(heard.subscription.active, false, "closing the store ends its subscriptions");
      await rejectsWithCode(
        call(() => notificationsOf(store).subscribe("ch", nothing, nothing)),
        "ERR_STORE_CLOSED",
        "subscribe after close",
      );
      await rejectsWithCode(
        call(() => notificationsOf(store).publish("ch", bytes("x"))),
        "ERR_STORE_CLOSED",
        "publish after close",
      );
    },
  },
  {
    id: "notifications.reset-after-drop",
    title: "a subscriber whose connection was killed gets its reset callback, then hears later messages",
    requiresStore: (store, { canDisconnect }) =>
      withNotifications(store) ??
      (canDisconnect
        ? null
        : "the runner was given no disconnectSubscriber to cut the subscriber's connection"),
    async run(context) {
      const disconnect = context.disconnectSubscriber;
      if (disconnect === undefined)
        throw new Error("requiresStore let this case run without disconnectSubscriber");
      const channel = channelName();
      const heard = await inbox(context.store, channel);
      await notificationsOf(context.store).publish(channel, bytes("before"));
      await heard.until("the message before the drop", () => heard.messages.length === 1);
      await disconnect(context.store);
      await heard.until("the reset after the drop", () => heard.resets >= 1, 30_000);
      const count = heard.messages.length;
      await notificationsOf(context.store).publish(channel, bytes("after"));
      await heard.until("a message after the reset", () => heard.messages.length > count);
      assertBytes(heard.messages.at(-1), bytes("after"), "the message after the reset");
    },
  },
];

/** Push close's fallback (core README, "Push close"): with push off the poll alone still closes within its bound. */
export const pushCloseCases: ConformanceCase[] = [
  {
    id: "host.close-without-push",
    title:
      "with pushClose: false a cross-node close still arrives within one maintenance interval plus margin",
    async run(context) {
      const { ttlMs, intervalMs } = hostTiming(context.timing);
      const [storeA, storeC] = await nodeStores(context, 2);
      const logger = recordingLogger();
      const host = (store: SessionKVStore, nodeId: string) =>
        new SessionHost({
          registry: new SessionRegistry({ store, nodeId, ttlMs, logger: silentLogger }),
          maintenanceIntervalMs: intervalMs,
          pushClose: false,
          logger,
        });
      const owner = host(storeA!, "A");
      const requester = host(storeC!, "C");
      await Promise.all([owner.start(), requester.start()]);
      try {
        assert.equal(owner.pushClose, false, "the host polls only");
        let closed: { reason: CloseReason; at: number } | undefined;
        await owner.add("call", "s", {
          close: (reason) => {
            closed = { reason, at: performance.now() };
          },
        });
        const t0 = performance.now();
        await requester.requestClose("call", "s");
        await context.checkpoints.within(
          "close reached the owner by polling",
          intervalMs + HOST_SLACK_MS,
          () => closed !== undefined,
          5,
        );
        context.note(
          `close latency by polling ${Math.round(closed!.at - t0)} ms (interval ${intervalMs} ms)`,
        );
        assert.equal(closed!.reason, "close-requested");
      } finally {
        await Promise.all([owner.stop(), requester.stop()]);
      }
    },
  },
];
