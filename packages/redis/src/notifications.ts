import { randomBytes } from "node:crypto";
import type { NotificationSink, NotificationTransport } from "@sessionkv/core/store-kit";
import { type Cluster, Redis } from "ioredis";
import { disconnect } from "./client.js";
import { whenReady } from "./readiness.js";
import { type RedisClient, isCluster } from "./topology.js";

/**
 * How often the subscriber connection is pinged. A subscriber only reads, so without a command
 * in flight a silent server (paused, partitioned) would never be noticed; a PING arms the
 * connection's socket timeout, which then drops it, and the reconnect resets the subscribers.
 */
const HEALTH_PING_MS = 2_000;

/**
 * Classic PUBLISH/SUBSCRIBE (README, "Notifications"), on one subscriber connection the store
 * owns beside its command client: a duplicate of the client for one server or a Sentinel-followed
 * primary (ioredis follows failovers itself), a connection to one node for a Cluster (PUBLISH is
 * broadcast to every node, so any node hears every channel). After every reconnect the channels
 * are subscribed again and then reset: what was published in between is lost.
 */
export function redisTransport(client: RedisClient, operationTimeoutMs: number, name: string) {
  return (sink: NotificationSink): NotificationTransport =>
    new RedisSubscriber(client, operationTimeoutMs, name, sink);
}

/**
 * The subscriber connection's CLIENT SETNAME: unique per store, so that an operator (or a test)
 * can tell it apart in CLIENT LIST and kill exactly it.
 */
export function subscriberName(): string {
  return `sessionkv-subscriber-${randomBytes(6).toString("hex")}`;
}

class RedisSubscriber implements NotificationTransport {
  readonly #client: RedisClient;
  readonly #timeoutMs: number;
  readonly #name: string;
  readonly #sink: NotificationSink;
  readonly #channels = new Set<string>();
  #connection: Redis | undefined;
  #ping: NodeJS.Timeout | undefined;
  #closed = false;
  /** Cluster: the node tried last, so that a reselection moves on to the next one. */
  #nodeTurn = 0;

  constructor(client: RedisClient, timeoutMs: number, name: string, sink: NotificationSink) {
    this.#client = client;
    this.#timeoutMs = timeoutMs;
    this.#name = name;
    this.#sink = sink;
  }

  async open(): Promise<void> {
    await this.#connect();
    this.#ping = setInterval(() => this.#healthPing(), HEALTH_PING_MS);
    this.#ping.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#ping);
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection !== undefined) await disconnect(connection);
  }

  async publish(channel: string, payload: Uint8Array): Promise<void> {
    await this.#client.publish(channel, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
  }

  async listen(channel: string): Promise<void> {
    // Noted first: a reconnect while the server confirms subscribes it again.
    this.#channels.add(channel);
    const connection = this.#connection;
    try {
      if (connection === undefined) throw new Error("the subscriber connection is closed");
      await connection.subscribe(channel);
    } catch (error) {
      // Not listened on after all: no reconnect subscribes it again.
      this.#channels.delete(channel);
      throw error;
    }
  }

  async unlisten(channel: string): Promise<void> {
    this.#channels.delete(channel);
    const connection = this.#connection;
    if (connection?.status === "ready") await connection.unsubscribe(channel);
  }

  async #connect(): Promise<void> {
    const connection = this.#open();
    this.#connection = connection;
    connection.on("error", () => undefined);
    connection.on("messageBuffer", (channel: Buffer, message: Buffer) => {
      if (connection === this.#connection)
        this.#sink.message(channel.toString("utf8"), new Uint8Array(message));
    });
    let readyBefore = false;
    connection.on("ready", () => {
      if (readyBefore) void this.#restore(connection);
      readyBefore = true;
    });
    if (isCluster(this.#client)) {
      // A node's connection is not retried: another node hears the same broadcast.
      connection.once("end", () => {
        if (!this.#closed && connection === this.#connection) void this.#reselect();
      });
    }
    await connection.connect().catch(() => undefined);
    await whenReady(connection, this.#timeoutMs);
  }

  #open(): Redis {
    const client = this.#client;
    const own = { connectionName: this.#name, lazyConnect: true, autoResubscribe: false };
    if (!isCluster(client)) return client.duplicate(own);
    const nodes = (client as Cluster).nodes("all");
    const node = nodes[this.#nodeTurn++ % Math.max(1, nodes.length)];
    if (node === undefined) throw new Error("the cluster client knows no node yet");
    const { host, port, username, password, tls } = node.options;
    return new Redis({
      ...own,
      host,
      port,
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password }),
      ...(tls === undefined ? {} : { tls }),
      enableOfflineQueue: false,
      connectTimeout: this.#timeoutMs,
      socketTimeout: this.#timeoutMs,
      retryStrategy: () => null,
    });
  }

  /** Cluster: the subscriber's node went away; connect to the next, then subscribe and reset. */
  async #reselect(): Promise<void> {
    for (let attempt = 1; !this.#closed; attempt++) {
      try {
        await this.#connect();
        await this.#restore(this.#connection as Redis);
        return;
      } catch {
        const failed = this.#connection;
        this.#connection = undefined;
        if (failed !== undefined) await disconnect(failed);
        await new Promise((resolve) => setTimeout(resolve, Math.min(50 * attempt, 1_000)));
      }
    }
  }

  /** After a reconnect: every channel subscribed again, then the reset (messages may be lost). */
  async #restore(connection: Redis): Promise<void> {
    if (this.#closed || connection !== this.#connection) return;
    try {
      if (this.#channels.size > 0) await connection.subscribe(...this.#channels);
    } catch {
      // Dropped again before the server confirmed: the next ready restores it.
      return;
    }
    if (!this.#closed && connection === this.#connection) this.#sink.reset();
  }

  #healthPing(): void {
    const connection = this.#connection;
    if (connection?.status !== "ready") return;
    connection.ping().catch(() => undefined);
  }
}
