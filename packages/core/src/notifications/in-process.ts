import type { NotificationSink, NotificationTransport } from "./hub.js";

/**
 * Delivery within one process, for stores whose whole server is in the process (memory, tests):
 * every subscriber of the store gets the message on a later microtask, never inside `publish`, as
 * a network store would deliver it. Nothing can drop, so it never resets.
 */
export function inProcessTransport(sink: NotificationSink): NotificationTransport {
  const listening = new Set<string>();
  return {
    open: async () => undefined,
    close: async () => listening.clear(),
    publish: async (channel, payload) => {
      if (!listening.has(channel)) return;
      // A copy taken now: the publisher may reuse its buffer once publish resolved.
      const bytes = payload.slice();
      queueMicrotask(() => sink.message(channel, bytes));
    },
    listen: async (channel) => {
      listening.add(channel);
    },
    unlisten: async (channel) => {
      listening.delete(channel);
    },
  };
}
