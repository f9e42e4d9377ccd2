import { SessionKVError as KVError, type SessionKVError } from "../errors.js";
import { Lifecycle, storeLifecycleErrors } from "../lifecycle.js";
import { redactError, redactText } from "../redact.js";
import { withTimeout } from "../timeout.js";
import { DEFAULT_MAX_PAYLOAD_BYTES, type StoreNotifications, type Subscription } from "./contract.js";
import { validateCallback, validateChannel, validatePayload } from "./validate.js";

/** What a transport reports to the hub that owns it. Channels are the namespaced ones it was given. */
export interface NotificationSink {
  /** A message arrived on a channel the transport listens on. */
  message(channel: string, payload: Uint8Array): void;
  /** Messages may have been lost on these channels (all of them when omitted); they are listened on again. */
  reset(channels?: readonly string[]): void;
}

/**
 * The only part of notifications a backend writes: moving bytes. It receives channels already
 * validated and namespaced, never two `listen` calls for one channel without an `unlisten` between
 * them, and no call before `open()` resolved or after `close()` began.
 */
export interface NotificationTransport {
  /** Opens what the transport needs (the store's subscriber connection, a watch stream). */
  open(): Promise<void>;
  /** Ends it; the hub ignores every report from then on. */
  close(): Promise<void>;
  publish(channel: string, payload: Uint8Array): Promise<void>;
  /** Resolves once the server confirmed, so that later messages are delivered. */
  listen(channel: string): Promise<void>;
  unlisten(channel: string): Promise<void>;
}

export interface NotificationHubOptions {
  /** Prepended to every channel: the store's key prefix plus a segment of its own (e.g. `notify/`). */
  readonly namespace: string;
  readonly maxPayloadBytes?: number;
  /** Bounds `publish` and `subscribe`, like every store operation. */
  readonly operationTimeoutMs: number;
  /** Maps a transport error to a SessionKVError: the store's own classification. */
  readonly classifyError: (error: unknown, operation: string) => SessionKVError;
  /** The store's secrets, removed from every surfaced error. */
  readonly secrets?: () => readonly string[];
  /** Receives what a subscriber's callback threw. Default: the console. */
  readonly onCallbackError?: (error: unknown) => void;
  readonly transport: (sink: NotificationSink) => NotificationTransport;
}

interface Listener {
  readonly onMessage: (payload: Uint8Array) => void;
  readonly onReset: () => void;
  active: boolean;
}

/**
 * `store.notifications` for a backend: validation, namespacing, the store's lifecycle and error
 * shaping, once for every backend (as `BaseSessionKVStore` does for the key-value contract). The
 * store calls `start()` at the end of its `doStart` and `stop()` in its `doClose`; the backend
 * supplies only the transport.
 */
export class NotificationHub implements StoreNotifications {
  readonly maxPayloadBytes: number;
  readonly #options: NotificationHubOptions;
  readonly #transport: NotificationTransport;
  readonly #lifecycle = new Lifecycle(storeLifecycleErrors);
  /** Namespaced channel → its listeners. A channel is listened on while it has one. */
  readonly #channels = new Map<string, Set<Listener>>();
  /** The `listen` in flight or done per channel, shared by concurrent subscribers. */
  readonly #listening = new Map<string, Promise<void>>();

  constructor(options: NotificationHubOptions) {
    this.#options = options;
    this.maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    this.#transport = options.transport({
      message: (channel, payload) => this.#deliver(channel, payload),
      reset: (channels) => this.#reset(channels),
    });
  }

  start(): Promise<void> {
    return this.#lifecycle.start(() => this.#run("start", () => this.#transport.open()));
  }

  /** Ends every subscription, then the transport. Idempotent. */
  stop(): Promise<void> {
    return this.#lifecycle.stop(async ({ starting }) => {
      await starting?.catch(() => undefined);
      for (const listeners of this.#channels.values()) for (const l of listeners) l.active = false;
      this.#channels.clear();
      this.#listening.clear();
      await this.#transport.close().catch(() => undefined);
    });
  }

  async publish(channel: string, payload: Uint8Array): Promise<void> {
    validateChannel(channel);
    validatePayload(payload, this.maxPayloadBytes);
    this.#lifecycle.assertStarted("notifications.publish");
    const full = this.#options.namespace + channel;
    return this.#run("notifications.publish", () => this.#transport.publish(full, payload));
  }

  async subscribe(
    channel: string,
    onMessage: (payload: Uint8Array) => void,
    onReset: () => void,
  ): Promise<Subscription> {
    validateChannel(channel);
    validateCallback(onMessage, "onMessage");
    validateCallback(onReset, "onReset");
    this.#lifecycle.assertStarted("notifications.subscribe");
    const full = this.#options.namespace + channel;
    const listener: Listener = { onMessage, onReset, active: true };
    let listeners = this.#channels.get(full);
    if (listeners === undefined) {
      listeners = new Set();
      this.#channels.set(full, listeners);
    }
    listeners.add(listener);
    let listening = this.#listening.get(full);
    if (listening === undefined) {
      listening = this.#run("notifications.subscribe", () => this.#transport.listen(full));
      this.#listening.set(full, listening);
      listening.catch(() => {
        if (this.#listening.get(full) === listening) this.#listening.delete(full);
      });
    }
    try {
      await listening;
      // A close of the store while the server confirmed ends this subscription too.
      this.#lifecycle.assertStarted("notifications.subscribe");
    } catch (error) {
      this.#drop(full, listener);
      throw error;
    }
    return this.#subscription(channel, full, listener);
  }

  #subscription(channel: string, full: string, listener: Listener): Subscription {
    const close = async (): Promise<void> => this.#drop(full, listener);
    return {
      channel,
      get active() {
        return listener.active;
      },
      close,
      [Symbol.asyncDispose]: close,
    };
  }

  #drop(full: string, listener: Listener): void {
    listener.active = false;
    const listeners = this.#channels.get(full);
    if (listeners === undefined || !listeners.delete(listener) || listeners.size > 0) return;
    this.#channels.delete(full);
    const listening = this.#listening.get(full);
    this.#listening.delete(full);
    if (!this.#lifecycle.started) return;
    // A failed unsubscribe costs a few messages nobody listens to, which are dropped on arrival.
    void listening
      ?.then(() => (this.#channels.has(full) ? undefined : this.#transport.unlisten(full)))
      .catch(() => undefined);
  }

  #deliver(channel: string, payload: Uint8Array): void {
    const listeners = this.#channels.get(channel);
    if (listeners === undefined || !this.#lifecycle.started) return;
    const several = listeners.size > 1;
    for (const listener of [...listeners]) {
      if (!listener.active) continue;
      // Each listener its own bytes: one may mutate what it was handed.
      this.#callback(() => listener.onMessage(several ? payload.slice() : payload));
    }
  }

  #reset(channels: readonly string[] | undefined): void {
    if (!this.#lifecycle.started) return;
    const names = channels ?? [...this.#channels.keys()];
    for (const name of names) {
      for (const listener of [...(this.#channels.get(name) ?? [])]) {
        if (listener.active) this.#callback(() => listener.onReset());
      }
    }
  }

  #callback(call: () => void): void {
    try {
      call();
    } catch (error) {
      const report =
        this.#options.onCallbackError ??
        ((e: unknown) => console.error("sessionkv: a notification callback threw", e));
      report(error);
    }
  }

  async #run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await withTimeout(work(), this.#options.operationTimeoutMs, operation);
    } catch (error) {
      throw this.#shape(error, operation);
    }
  }

  #shape(error: unknown, operation: string): SessionKVError {
    const shaped = error instanceof KVError ? error : this.#options.classifyError(error, operation);
    const secrets = this.#options.secrets?.() ?? [];
    if (secrets.length === 0) return shaped;
    const clean = new KVError(shaped.code, redactText(shaped.message, secrets), {
      cause: redactError(shaped.cause, secrets),
    });
    clean.stack = shaped.stack === undefined ? undefined : redactText(shaped.stack, secrets);
    return clean;
  }
}
