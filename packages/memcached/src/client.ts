import type { StoreClient } from "@sessionkv/core/store-kit";
import memjs from "memjs";
import type { MemjsClientInternals } from "./memjs-internals.js";
import type { ResolvedOptions } from "./options.js";

/**
 * The memjs client the store talks through: the caller's (never closed by the store), or one
 * created from `servers` (closed on close()). Either way its internals are checked by start()
 * (memjs-internals.ts), not here: a constructor throws only ERR_INVALID_ARGUMENT, and a client
 * the store cannot work through is a misconfiguration, which start() reports (like a missing
 * DynamoDB table).
 */
export function openClient(
  options: ResolvedOptions,
  operationTimeoutMs: number,
): StoreClient<MemjsClientInternals> {
  if (options.client !== undefined)
    return { client: options.client as unknown as MemjsClientInternals, owned: false };
  // memjs counts its timeouts in seconds. Slightly under the store's deadline, so that a
  // silent server surfaces memjs's own error (as `cause`) and its dead socket is dropped;
  // in a pool half of it, so that an operation that meets a silent server once still
  // completes for the other servers' keys (README, "Pools").
  const timeoutS = (operationTimeoutMs * (options.servers.length > 1 ? 0.5 : 0.9)) / 1000;
  const client = memjs.Client.create(options.servers.join(","), {
    timeout: timeoutS,
    conntimeout: timeoutS,
    keepAlive: true,
    retries: 1,
    // Failover would move keys (index items included) to another server while one is
    // down, and keys() would miss them once it is back.
    failover: false,
    logger: { log: () => undefined },
    username: options.username,
    password: options.password,
  });
  return { client: client as unknown as MemjsClientInternals, owned: true };
}
