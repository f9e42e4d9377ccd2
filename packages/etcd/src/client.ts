import type { StoreClient } from "@sessionkv/core/store-kit";
import { Etcd3 } from "etcd3";
import { faultHandling } from "./etcd3-patches/fault-handling.js";
import { coalesceReauthentication } from "./etcd3-patches/reauthentication.js";
import type { EtcdSessionKVStoreOptions } from "./options.js";

/**
 * The etcd3 client the store talks through: the caller's `client`, used as is and never closed
 * by the store, or one created from `hosts` (closed on close()) with the settings and the etcd3
 * patches (`etcd3-patches/`) a session store needs. A caller's client is not patched: the store
 * does not reach into a client it does not own.
 */
export function openClient(
  options: EtcdSessionKVStoreOptions,
  operationTimeoutMs: number,
): StoreClient<Etcd3> {
  if (options.client !== undefined) return { client: options.client, owned: false };
  const hostCount = typeof options.hosts === "string" ? 1 : (options.hosts?.length ?? 1);
  const client = new Etcd3({
    hosts: typeof options.hosts === "string" ? options.hosts : [...(options.hosts ?? [])],
    faultHandling: faultHandling(hostCount),
    ...(options.auth === undefined
      ? {}
      : { auth: { username: options.auth.username, password: options.auth.password } }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    // Large values: mget batches may exceed gRPC's default 4 MiB receive limit.
    grpcOptions: { "grpc.max_receive_message_length": -1, ...options.grpcOptions },
    // Deadlines on every call the client makes by itself too (the auth token exchange):
    // without one a call to a silent server waits forever.
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + operationTimeoutMs }),
  });
  if (options.auth !== undefined)
    coalesceReauthentication(client, hostCount <= 1 ? operationTimeoutMs : undefined);
  return { client, owned: true };
}
