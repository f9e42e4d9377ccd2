import {
  type BaseStoreOptions,
  validateBoolean,
  validateExactlyOne,
  validateKeyPrefix,
  validateOptionsObject,
  validatePositiveMs,
} from "@sessionkv/core/store-kit";
import type { Etcd3, IOptions } from "etcd3";

export interface EtcdSessionKVStoreOptions extends BaseStoreOptions {
  /** An existing client. The store never closes it. Exclusive with `hosts`. */
  readonly client?: Etcd3;
  /** Endpoints, e.g. `"http://127.0.0.1:2379"` or several; `https://` for TLS. The store creates and closes its client. */
  readonly hosts?: string | readonly string[];
  /** Password authentication (etcd users). The password never appears in errors. */
  readonly auth?: { readonly username: string; readonly password: string };
  /** TLS: CA certificate, and a client certificate and key for mutual TLS. */
  readonly credentials?: IOptions["credentials"];
  /** Extra gRPC channel options for the created client. */
  readonly grpcOptions?: IOptions["grpcOptions"];
  /** Namespace of this store's keys on the server (prepended as UTF-8 bytes). Default `"sessionkv:"`. */
  readonly keyPrefix?: string;
  /** Width of the time buckets whose keys share one lease. Default 1000 ms. */
  readonly leaseBucketMs?: number;
  /** The server's minimum lease TTL (1.5 × election timeout, rounded up: 2000 ms by default). */
  readonly minLeaseTtlMs?: number;
  /** The server's `--max-txn-ops`. Default 128. */
  readonly maxTxnOps?: number;
  /** The server's `--max-request-bytes`. Default 1.5 MiB. */
  readonly maxRequestBytes?: number;
  /** Keys per range read in `keys()`. Default 1000. */
  readonly pageSize?: number;
  /**
   * `expire` with a TTL of whole seconds (≥ `minLeaseTtlMs`) attaches the keys to a lease of
   * that TTL, and the next `expire` of the same keys is a keepalive of it: no write at all. The
   * price: such keys expire when the server revokes the lease, up to `expiryLagMs` (2 s) late.
   * Default `false` (every expiry exact to the millisecond).
   */
  readonly heartbeatLeases?: boolean;
  /**
   * `store.notifications` over watches (README, "Notifications"). Default true; false leaves it
   * undefined, so hosts poll only.
   */
  readonly notifications?: boolean;
}

const DEFAULTS = {
  keyPrefix: "sessionkv:",
  leaseBucketMs: 1_000,
  minLeaseTtlMs: 2_000,
  maxTxnOps: 128,
  maxRequestBytes: 1_572_864,
  pageSize: 1_000,
  heartbeatLeases: false,
  notifications: true,
} as const;

/** The store's settings once checked, with their defaults (the connection options stay in the options). */
export interface ResolvedOptions {
  readonly keyPrefix: string;
  readonly leaseBucketMs: number;
  readonly minLeaseTtlMs: number;
  readonly maxTxnOps: number;
  readonly maxRequestBytes: number;
  readonly pageSize: number;
  readonly heartbeatLeases: boolean;
  readonly notifications: boolean;
}

export function resolveOptions(options: EtcdSessionKVStoreOptions): ResolvedOptions {
  validateOptionsObject(options);
  const settings = { ...DEFAULTS, ...definedOnly(options) };
  for (const name of [
    "leaseBucketMs",
    "minLeaseTtlMs",
    "maxTxnOps",
    "maxRequestBytes",
    "pageSize",
  ] as const) {
    validatePositiveMs(settings[name], name);
  }
  validateKeyPrefix(settings.keyPrefix);
  validateBoolean(settings.heartbeatLeases, "heartbeatLeases");
  validateBoolean(settings.notifications, "notifications");
  validateExactlyOne(options, "hosts", "client");
  const {
    keyPrefix,
    leaseBucketMs,
    minLeaseTtlMs,
    maxTxnOps,
    maxRequestBytes,
    pageSize,
    heartbeatLeases,
    notifications,
  } = settings;
  return {
    keyPrefix,
    leaseBucketMs,
    minLeaseTtlMs,
    maxTxnOps,
    maxRequestBytes,
    pageSize,
    heartbeatLeases,
    notifications,
  };
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
