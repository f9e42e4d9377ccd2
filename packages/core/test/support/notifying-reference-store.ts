import {
  NotificationHub,
  type NotificationSink,
  type NotificationTransport,
  inProcessTransport,
} from "../../src/store-kit.js";
import { ReferenceStore } from "./reference-store.js";

/**
 * The reference store with notifications: in-process delivery, plus a subscriber that can lose
 * its "connection" for a while (`dropSubscriber`): what is published meanwhile is lost, and the
 * subscribers are reset when it comes back, as a network store's would be.
 */
export class NotifyingReferenceStore extends ReferenceStore {
  readonly notifications: NotificationHub;
  #down = false;
  #sink: NotificationSink | undefined;

  constructor(options: { maxPayloadBytes?: number; namespace?: string } = {}) {
    super();
    this.notifications = new NotificationHub({
      namespace: options.namespace ?? "",
      ...(options.maxPayloadBytes === undefined ? {} : { maxPayloadBytes: options.maxPayloadBytes }),
      operationTimeoutMs: 1_000,
      classifyError: (error, operation) => this.classifyError(error, operation),
      transport: (sink) => {
        this.#sink = sink;
        const inner = inProcessTransport(sink);
        const transport: NotificationTransport = {
          ...inner,
          publish: async (channel, payload) => {
            if (!this.#down) await inner.publish(channel, payload);
          },
        };
        return transport;
      },
    });
  }

  /** Loses every message for `ms`, then resets every subscriber. */
  async dropSubscriber(ms: number): Promise<void> {
    this.#down = true;
    await new Promise((resolve) => setTimeout(resolve, ms));
    this.#down = false;
    this.#sink?.reset();
  }

  protected override async doStart(): Promise<void> {
    await super.doStart();
    await this.notifications.start();
  }

  protected override async doClose(): Promise<void> {
    await this.notifications.stop();
    await super.doClose();
  }
}
