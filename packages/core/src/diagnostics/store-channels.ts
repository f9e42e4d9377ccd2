import { tracingChannel } from "node:diagnostics_channel";
import type { ErrorCode } from "../errors.js";
import { DIAGNOSTICS_CHANNELS } from "./names.js";

/**
 * Where a store's operations go, as a backend describes itself to the diagnostics channel. Only
 * what identifies the deployment, never a key, a value or a credential.
 */
export interface StoreTarget {
  /** `"memory"`, `"redis"`, `"dynamodb"`, `"memcached"`, `"etcd"`, or a third-party store's own name. */
  readonly backend: string;
  /** The store's namespace (its key prefix, or table and key prefix), when it has one. */
  readonly namespace?: string;
  /** The server's host name or address, when the store talks to one known server. */
  readonly serverAddress?: string;
  readonly serverPort?: number;
}

/**
 * The context of `sessionkv:store:operation`. The same object travels through the start, end,
 * asyncStart, asyncEnd and error events of one operation.
 */
export interface StoreOperationContext extends StoreTarget {
  /** The method called: `"get"`, `"mset"`, `"start"`, ... */
  readonly operation: string;
  /** Distinct keys (or entries) handed to the backend, for batch operations; undefined otherwise. */
  readonly batchSize: number | undefined;
  /** On failure: the `SessionKVError`'s code. */
  errorCode?: ErrorCode;
  /** On failure: the `SessionKVError` the caller receives (secrets already removed). */
  error?: unknown;
}

export const storeOperationChannel = tracingChannel<StoreOperationContext, StoreOperationContext>(
  DIAGNOSTICS_CHANNELS.storeOperation,
);

/**
 * Runs one operation inside the channel's events, as `tracePromise` would, except that the
 * result stays off the context (a result is a value) and the error's code is put on it. Only
 * called when there are subscribers: the context is built then, never on the hot path of an
 * unobserved store.
 */
export function traceStoreOperation<T>(
  target: StoreTarget,
  operation: string,
  batchSize: number | undefined,
  run: () => Promise<T>,
): Promise<T> {
  const context: StoreOperationContext = { ...target, operation, batchSize };
  const { start, end, asyncStart, asyncEnd, error } = storeOperationChannel;
  // runStores: a subscriber that bound a store (an AsyncLocalStorage) sees it inside the operation.
  return start.runStores(context, () => {
    try {
      return run().then(
        (result) => {
          asyncStart.publish(context);
          asyncEnd.publish(context);
          return result;
        },
        (failure: unknown) => {
          context.error = failure;
          context.errorCode = (failure as { code?: ErrorCode }).code;
          error.publish(context);
          asyncStart.publish(context);
          asyncEnd.publish(context);
          throw failure;
        },
      );
    } finally {
      end.publish(context);
    }
  });
}
