import type { Etcd3 } from "etcd3";

/** The two methods of etcd3's (unexported) authenticator that its connection pool calls. */
interface Authenticator {
  getMetadata(): Promise<unknown>;
  invalidateMetadata(): void;
}

/** A call sent with the previous token can still come back this long after a new one was issued. */
const GRACE_MS = 1_000;

/**
 * One re-authentication per lost token, not one per call in flight.
 *
 * A server that lost its tokens (a restart, an empty one above all) answers every call in flight
 * "invalid auth token". etcd3 then drops the cached token and re-authenticates once per such
 * call, and each drop also throws away the token the previous call just fetched: 30 concurrent
 * reads become 30 `Authenticate` calls, each a bcrypt check on the server and a new channel, that
 * time out together and start over; the tests saw every call fail for seconds after the server
 * was back. Here a drop is ignored while a new token is being fetched and for `GRACE_MS` after it
 * came (the call that failed was sent with an older token), so the calls in flight retry with the
 * one new token. A token refused after that is dropped again.
 *
 * etcd3 exposes no hook for this: the store reaches its own client's connection pool, and leaves
 * the client untouched if its shape is not the one known here.
 */
export function coalesceReauthentication(client: Etcd3): void {
  const authenticator = (client as unknown as { pool?: { authenticator?: Partial<Authenticator> } }).pool
    ?.authenticator;
  if (
    typeof authenticator?.getMetadata !== "function" ||
    typeof authenticator.invalidateMetadata !== "function"
  )
    return;
  const getMetadata = authenticator.getMetadata.bind(authenticator);
  const invalidate = authenticator.invalidateMetadata.bind(authenticator);
  let pending: Promise<unknown> | undefined;
  let issuedAt = Number.NEGATIVE_INFINITY;
  authenticator.getMetadata = () => {
    const metadata = getMetadata();
    if (metadata !== pending) {
      pending = metadata;
      issuedAt = Number.POSITIVE_INFINITY;
      metadata.then(
        () => {
          if (pending === metadata) issuedAt = Date.now();
        },
        () => {
          if (pending === metadata) issuedAt = Number.NEGATIVE_INFINITY;
        },
      );
    }
    return metadata;
  };
  authenticator.invalidateMetadata = () => {
    // Pending (issuedAt +∞) or just issued: the call that failed used an older token.
    if (Date.now() - issuedAt < GRACE_MS) return;
    invalidate();
  };
}
