/**
 * Patch to etcd3's internals (its connection pool's authenticator and `exec`), applied to the
 * store's own client only: after a server lost its tokens etcd3 re-authenticates once per call in
 * flight, and it never drops a token a restarted member holds every call on (details on
 * `coalesceReauthentication` below). etcd3 offers no hook for either.
 */
import { type Etcd3, GRPCDeadlineExceededError } from "etcd3";

/** The two methods of etcd3's (unexported) authenticator that its connection pool calls. */
interface Authenticator {
  getMetadata(): Promise<unknown>;
  invalidateMetadata(): void;
}

/** etcd3's (unexported) connection pool: its authenticator, and the method every unary call goes through. */
interface Pool {
  authenticator?: Partial<Authenticator>;
  exec?: (...args: unknown[]) => Promise<unknown>;
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
 * A token can also go stale without the server ever saying so. etcd's simple tokens carry the
 * raft index at which they were issued, and a member holds every call carrying one until it has
 * applied that index, until the call's deadline: a member restarted empty starts its log again
 * from 1, so a token issued before the restart holds every call, each ending in DEADLINE_EXCEEDED,
 * until the new log has caught up, tens of seconds or never (the fault table's bimodal etcd
 * restart-empty row, docs/faults.md). So a call that times out also drops the token, unless it
 * arrived less than `staleAfterMs` ago (a new token is not the cause; and on a server merely too
 * slow this is one `Authenticate` per `staleAfterMs` at most). With one host only
 * (`staleAfterMs` undefined: never): with it, the fault table's 3-member cluster stopped
 * recovering after a pause or a restart with data (6 of 20 and 2 of 5 cycles, none without),
 * most likely because there a call also waits on a member lagging behind the one that issued
 * the token, and each new token, issued at a later index still, moves the wait on (not verified).
 *
 * etcd3 exposes no hook for this: the store reaches its own client's connection pool, and leaves
 * the client untouched if its shape is not the one known here.
 */
export function coalesceReauthentication(client: Etcd3, staleAfterMs: number | undefined): void {
  const pool = (client as unknown as { pool?: Pool }).pool;
  const authenticator = pool?.authenticator;
  const exec = pool?.exec;
  if (
    pool === undefined ||
    typeof authenticator?.getMetadata !== "function" ||
    typeof authenticator.invalidateMetadata !== "function" ||
    typeof exec !== "function"
  )
    return;
  const getMetadata = authenticator.getMetadata.bind(authenticator);
  const invalidate = authenticator.invalidateMetadata.bind(authenticator);
  let latest: Promise<unknown> | undefined;
  let fetching = false;
  let arrivedAt = 0;
  authenticator.getMetadata = () => {
    const metadata = getMetadata();
    if (metadata !== latest) {
      latest = metadata;
      fetching = true;
      const settled = () => {
        if (latest !== metadata) return;
        fetching = false;
        arrivedAt = Date.now();
      };
      metadata.then(settled, settled);
    }
    return metadata;
  };
  authenticator.invalidateMetadata = () => {
    if (!fetching) invalidate();
  };
  pool.exec = async (...args: unknown[]) => {
    try {
      return await exec.apply(pool, args);
    } catch (error) {
      if (
        staleAfterMs !== undefined &&
        error instanceof GRPCDeadlineExceededError &&
        !fetching &&
        Date.now() - arrivedAt >= staleAfterMs
      )
        invalidate();
      throw error;
    }
  };
}
