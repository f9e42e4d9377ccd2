import { afterEach, describe, expect, it } from "vitest";
import { MAX_CHANNEL_BYTES, sleep } from "../src/store-kit.js";
import { NotifyingReferenceStore } from "./support/notifying-reference-store.js";

const opened: NotifyingReferenceStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

async function started(options?: ConstructorParameters<typeof NotifyingReferenceStore>[0]) {
  const store = new NotifyingReferenceStore(options);
  opened.push(store);
  await store.start();
  return store;
}

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (payload: Uint8Array) => new TextDecoder().decode(payload);
const nothing = () => undefined;

describe("store.notifications (the hub every backend shares)", () => {
  it("delivers to every subscriber of the channel and to no other channel", async () => {
    const store = await started();
    const a: string[] = [];
    const b: string[] = [];
    const other: string[] = [];
    await store.notifications.subscribe("ch", (p) => a.push(text(p)), nothing);
    await store.notifications.subscribe("ch", (p) => b.push(text(p)), nothing);
    await store.notifications.subscribe("ch2", (p) => other.push(text(p)), nothing);
    await store.notifications.publish("ch", bytes("one"));
    await sleep(5);
    expect(a).toEqual(["one"]);
    expect(b).toEqual(["one"]);
    expect(other).toEqual([]);
  });

  it("hands each subscriber its own bytes", async () => {
    const store = await started();
    const seen: Uint8Array[] = [];
    for (let i = 0; i < 2; i++)
      await store.notifications.subscribe(
        "ch",
        (p) => {
          seen.push(p);
          p.fill(0);
        },
        nothing,
      );
    await store.notifications.publish("ch", bytes("xy"));
    await sleep(5);
    expect(seen).toHaveLength(2);
    expect(seen[0]).not.toBe(seen[1]);
  });

  it("stops a closed subscription at once and keeps the others", async () => {
    const store = await started();
    const kept: string[] = [];
    const gone: string[] = [];
    await store.notifications.subscribe("ch", (p) => kept.push(text(p)), nothing);
    const sub = await store.notifications.subscribe("ch", (p) => gone.push(text(p)), nothing);
    expect(sub.active).toBe(true);
    await sub.close();
    await sub.close();
    expect(sub.active).toBe(false);
    await store.notifications.publish("ch", bytes("after"));
    await sleep(5);
    expect(kept).toEqual(["after"]);
    expect(gone).toEqual([]);
  });

  it("refuses bad channels, payloads and callbacks with typed errors, before any I/O", async () => {
    const store = await started({ maxPayloadBytes: 8 });
    const n = store.notifications;
    const bad: [string, () => Promise<unknown>, string][] = [
      ["empty channel", () => n.publish("", bytes("x")), "ERR_INVALID_ARGUMENT"],
      ["non-string channel", () => n.publish(7 as never, bytes("x")), "ERR_INVALID_ARGUMENT"],
      ["control character", () => n.publish("a\nb", bytes("x")), "ERR_INVALID_ARGUMENT"],
      ["lone surrogate", () => n.publish("a\uD800", bytes("x")), "ERR_INVALID_ARGUMENT"],
      [
        "long channel",
        () => n.publish("c".repeat(MAX_CHANNEL_BYTES + 1), bytes("x")),
        "ERR_INVALID_ARGUMENT",
      ],
      ["string payload", () => n.publish("ch", "x" as never), "ERR_INVALID_ARGUMENT"],
      ["payload too large", () => n.publish("ch", new Uint8Array(9)), "ERR_VALUE_TOO_LARGE"],
      ["onMessage", () => n.subscribe("ch", "no" as never, nothing), "ERR_INVALID_ARGUMENT"],
      ["onReset", () => n.subscribe("ch", nothing, undefined as never), "ERR_INVALID_ARGUMENT"],
    ];
    for (const [what, call, code] of bad) await expect(call(), what).rejects.toMatchObject({ code });
    await expect(n.publish("c".repeat(MAX_CHANNEL_BYTES), new Uint8Array(8))).resolves.toBeUndefined();
  });

  it("rejects before start and after close, and closing the store ends its subscriptions", async () => {
    const fresh = new NotifyingReferenceStore();
    opened.push(fresh);
    await expect(fresh.notifications.subscribe("ch", nothing, nothing)).rejects.toMatchObject({
      code: "ERR_STORE_NOT_STARTED",
    });
    await expect(fresh.notifications.publish("ch", bytes("x"))).rejects.toMatchObject({
      code: "ERR_STORE_NOT_STARTED",
    });
    const store = await started();
    const seen: string[] = [];
    const sub = await store.notifications.subscribe("ch", (p) => seen.push(text(p)), nothing);
    await store.close();
    expect(sub.active).toBe(false);
    await expect(store.notifications.subscribe("ch", nothing, nothing)).rejects.toMatchObject({
      code: "ERR_STORE_CLOSED",
    });
    await expect(store.notifications.publish("ch", bytes("x"))).rejects.toMatchObject({
      code: "ERR_STORE_CLOSED",
    });
    expect(seen).toEqual([]);
  });

  it("a callback that throws is reported and the others still run", async () => {
    const store = await started();
    const seen: string[] = [];
    const original = console.error;
    const reported: unknown[] = [];
    console.error = (...args: unknown[]) => void reported.push(args);
    try {
      await store.notifications.subscribe(
        "ch",
        () => {
          throw new Error("boom");
        },
        nothing,
      );
      await store.notifications.subscribe("ch", (p) => seen.push(text(p)), nothing);
      await store.notifications.publish("ch", bytes("m"));
      await sleep(5);
    } finally {
      console.error = original;
    }
    expect(seen).toEqual(["m"]);
    expect(reported).toHaveLength(1);
  });

  it("after a drop the subscriber is reset and receives later messages", async () => {
    const store = await started();
    const seen: string[] = [];
    let resets = 0;
    await store.notifications.subscribe(
      "ch",
      (p) => seen.push(text(p)),
      () => void resets++,
    );
    const drop = store.dropSubscriber(20);
    await store.notifications.publish("ch", bytes("lost"));
    await drop;
    expect(resets).toBe(1);
    await store.notifications.publish("ch", bytes("later"));
    await sleep(5);
    expect(seen).toEqual(["later"]);
  });
});
