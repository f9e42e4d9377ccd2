/**
 * The optional part of the store contract for stores whose server can push (core README,
 * "Notifications"). A store that has it exposes `store.notifications`; a store without it leaves
 * the property undefined and everything above it keeps polling.
 */
export interface StoreNotifications {
  /** Largest payload, in bytes, that `publish` accepts. */
  readonly maxPayloadBytes: number;
  /**
   * Delivers `payload` to every subscriber of `channel` in this store's namespace (its key prefix),
   * on this process and on every other one, at most once each and possibly not at all: a
   * notification is a hint to go and read, never the data itself.
   */
  publish(channel: string, payload: Uint8Array): Promise<void>;
  /**
   * Listens on `channel` in this store's namespace. Resolves once the server confirmed, so that
   * every message published after that reaches `onMessage` unless the connection drops. After a
   * drop (reconnect, failover, compaction, a server restarted empty) the subscription is restored
   * and `onReset` is called: messages may have been lost meanwhile, so the caller reads again.
   */
  subscribe(
    channel: string,
    onMessage: (payload: Uint8Array) => void,
    onReset: () => void,
  ): Promise<Subscription>;
}

/** One `subscribe` call. Closing the store closes it too. */
export interface Subscription extends AsyncDisposable {
  readonly channel: string;
  /** True until `close()` is called or the store is closed. */
  readonly active: boolean;
  /** Stops the callbacks at once; idempotent. */
  close(): Promise<void>;
}

/** Longest channel name, in UTF-8 bytes: the namespace is prepended, and servers cap key sizes. */
export const MAX_CHANNEL_BYTES = 256;

/** `maxPayloadBytes` of the backends in this repository: a doorbell is tens of bytes. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024;
