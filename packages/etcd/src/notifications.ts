import type { NotificationSink, NotificationTransport } from "@sessionkv/core/store-kit";
import type { Etcd3, IKeyValue, Namespace, Watcher } from "etcd3";
import type { CallOptions } from "./lease-pool.js";

/**
 * Where a channel's messages are written: `keyPrefix`, a 0xff byte, then `notify/{channel}`. The
 * byte is never part of UTF-8, so these keys are outside every listing of the store (keyspace.ts
 * decodes only keys this library writes as UTF-8) and no store key can collide with them.
 */
function notifyKeyPrefix(keyPrefix: string): Buffer {
  return Buffer.concat([Buffer.from(keyPrefix, "utf8"), Buffer.from([0xff]), Buffer.from("notify/")]);
}

/**
 * etcd notifications (README, "Notifications"): a message is a put of the channel's key,
 * deleted right after so that nothing stays behind, and a subscriber is a watch of that key.
 * etcd3 multiplexes every watch on one stream and resumes each from its last revision after a
 * reconnect, so a doorbell published meanwhile still arrives; the subscribers are reset all the
 * same, as after any drop. A watch etcd cancels (its revision was compacted) is created again
 * from now, and a server whose revision went back (restarted empty, restored) is watched again
 * from now: both reset, since what happened in between is unknown.
 */
export function etcdTransport(client: Etcd3, keyPrefix: string, callOptions: () => CallOptions) {
  return (sink: NotificationSink): NotificationTransport =>
    new EtcdWatches(client, keyPrefix, callOptions, sink);
}

interface ChannelWatch {
  watcher: Watcher | undefined;
  /** Highest header revision seen on this watch, to notice a server whose history went back. */
  revision: bigint;
  disconnected: boolean;
}

class EtcdWatches implements NotificationTransport {
  readonly #client: Etcd3;
  readonly #namespace: Buffer;
  readonly #callOptions: () => CallOptions;
  readonly #sink: NotificationSink;
  readonly #watches = new Map<string, ChannelWatch>();
  /** Where watches are created: the client, or a fresh root namespace after a cancelled watch (below). */
  #watchRoot: Etcd3 | Namespace;
  #closed = false;

  constructor(client: Etcd3, keyPrefix: string, callOptions: () => CallOptions, sink: NotificationSink) {
    this.#client = client;
    this.#namespace = notifyKeyPrefix(keyPrefix);
    this.#callOptions = callOptions;
    this.#sink = sink;
    this.#watchRoot = client;
  }

  async open(): Promise<void> {}

  async close(): Promise<void> {
    this.#closed = true;
    const watchers = [...this.#watches.values()].map((w) => w.watcher);
    this.#watches.clear();
    await Promise.all(watchers.map((w) => w?.cancel().catch(() => undefined)));
  }

  async publish(channel: string, payload: Uint8Array): Promise<void> {
    const key = this.#keyOf(channel);
    await this.#client.put(key).value(Buffer.from(payload)).options(this.#callOptions()).exec();
    // The watchers have the put's revision; the key itself need not outlive it.
    this.#client
      .delete()
      .key(key)
      .options(this.#callOptions())
      .exec()
      .catch(() => undefined);
  }

  async listen(channel: string): Promise<void> {
    const watch: ChannelWatch = { watcher: undefined, revision: 0n, disconnected: false };
    this.#watches.set(channel, watch);
    try {
      await this.#watch(channel, watch);
    } catch (error) {
      if (this.#watches.get(channel) === watch) this.#watches.delete(channel);
      throw error;
    }
  }

  async unlisten(channel: string): Promise<void> {
    const watch = this.#watches.get(channel);
    this.#watches.delete(channel);
    await watch?.watcher?.cancel();
  }

  #keyOf(channel: string): Buffer {
    return Buffer.concat([this.#namespace, Buffer.from(channel, "utf8")]);
  }

  /** A watch of the channel's key from now; resolves once etcd created it. */
  async #watch(channel: string, watch: ChannelWatch): Promise<void> {
    const watcher = await this.#watchRoot.watch().key(this.#keyOf(channel)).create();
    if (this.#closed || this.#watches.get(channel) !== watch) {
      await watcher.cancel().catch(() => undefined);
      return;
    }
    watch.watcher = watcher;
    // etcd3 set it to the creation's header revision + 1.
    watch.revision = BigInt(watcher.request.start_revision ?? 1) - 1n;
    watcher.on("data", (response: { header: { revision: string } }) => {
      const revision = BigInt(response.header.revision);
      if (revision > watch.revision) watch.revision = revision;
    });
    watcher.on("put", (kv: IKeyValue) => this.#sink.message(channel, new Uint8Array(kv.value)));
    watcher.on("disconnected", () => {
      watch.disconnected = true;
    });
    watcher.on("connected", (response: { header: { revision: string } }) => {
      if (!watch.disconnected) return;
      watch.disconnected = false;
      const revision = BigInt(response.header.revision);
      if (revision < watch.revision) {
        // The server's history went back: the resumed revision may never come. Watch from now.
        void this.#rewatch(channel, watch, true);
        return;
      }
      watch.revision = revision;
      this.#sink.reset([channel]);
    });
    // A watch etcd cancels (compacted revision) ends; one more from now, then the reset. When etcd
    // cancels a watch in the very response that creates it, etcd3 does not move its attach queue
    // on (handleCreatedResponse), so later watches of that stream could wait forever: the new
    // watch goes on a stream of its own.
    watcher.on("error", () => {
      this.#watchRoot = this.#client.namespace("");
      void this.#rewatch(channel, watch, false);
    });
  }

  async #rewatch(channel: string, watch: ChannelWatch, cancelOld: boolean): Promise<void> {
    const old = watch.watcher;
    watch.watcher = undefined;
    old?.removeAllListeners();
    // Not awaited: a watch etcd already cancelled is not detached again, and waiting would never end.
    if (cancelOld) void old?.cancel().catch(() => undefined);
    const fresh: ChannelWatch = { watcher: undefined, revision: 0n, disconnected: false };
    for (let attempt = 1; !this.#closed && this.#watches.get(channel) === watch; attempt++) {
      this.#watches.set(channel, fresh);
      try {
        await this.#watch(channel, fresh);
        if (this.#watches.get(channel) === fresh) this.#sink.reset([channel]);
        return;
      } catch {
        this.#watches.set(channel, watch);
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * attempt, 1_000)));
      }
    }
  }
}
