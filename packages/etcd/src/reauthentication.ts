import type { Etcd3 } from "etcd3";

/** The two methods of etcd3's (unexported) authenticator that its connection pool calls. */
interface Authenticator {
  getMetadata(): Promise<unknown>;
  invalidateMetadata(): void;
}

/**
 * One re-authentication per lost token, not one per call in flight.
 *
 * A server that lost its tokens (a restart, an empty one above all) answers every call in flight
 * "invalid auth token". etcd3 then drops the cached token and re-authenticates once per such
 * call, and each drop also throws away the token the previous call is fetching: 30 concurrent
 * reads become 30 `Authenticate` calls, each a bcrypt check on the server and a new channel, that
 * time out together and start over; the tests saw every call fail for seconds after the server
 * was back. Here a drop is ignored while a new token is being fetched (the call that failed was
 * sent with an older one), so the calls in flight retry with the one new token. A token refused
 * once it has arrived is dropped as before: ignoring that too would make etcd3 retry the call
 * with it at once, again and again until the call's deadline.
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
  let latest: Promise<unknown> | undefined;
  let fetching = false;
  authenticator.getMetadata = () => {
    const metadata = getMetadata();
    if (metadata !== latest) {
      latest = metadata;
      fetching = true;
      const settled = () => {
        if (latest === metadata) fetching = false;
      };
      metadata.then(settled, settled);
    }
    return metadata;
  };
  authenticator.invalidateMetadata = () => {
    if (!fetching) invalidate();
  };
}
