/**
 * The attribute and metric names this package writes. Database ones are the stable OpenTelemetry
 * database client conventions; `sessionkv.*` ones are this package's own (README, "Metrics").
 */
export const ATTR_DB_SYSTEM_NAME = "db.system.name";
export const ATTR_DB_OPERATION_NAME = "db.operation.name";
export const ATTR_DB_OPERATION_BATCH_SIZE = "db.operation.batch.size";
export const ATTR_DB_NAMESPACE = "db.namespace";
export const ATTR_SERVER_ADDRESS = "server.address";
export const ATTR_SERVER_PORT = "server.port";
export const ATTR_ERROR_TYPE = "error.type";
export const ATTR_NODE_ID = "sessionkv.node.id";
export const ATTR_CLOSE_LOCAL = "sessionkv.close.local";

/** Every instrument, by the name an OTLP backend shows (Prometheus shows them with `_` and unit suffixes). */
export const METRICS = {
  /** Histogram, seconds: each store operation (stable database client convention). */
  operationDuration: "db.client.operation.duration",
  /** Gauge: sessions each host had when its last cycle began. */
  hostSessions: "sessionkv.host.sessions",
  /** Histogram, seconds: each maintenance cycle. */
  cycleDuration: "sessionkv.host.cycle.duration",
  /** Counter: cycles that failed. */
  cyclesFailed: "sessionkv.host.cycle.failed",
  /** Counter: records found missing and written again. */
  sessionsHealed: "sessionkv.host.session.healed",
  /** Counter: close requests made. */
  closeRequests: "sessionkv.close.requests",
  /** Histogram, seconds: from a close request to its session closed and removed. */
  closeDuration: "sessionkv.close.duration",
} as const;

/**
 * `db.system.name` for each backend core names. DynamoDB, Redis and Memcached have registered
 * values; etcd has none (the conventions list no etcd value), so it gets its own name, as does the
 * in-process store. A third-party store's own backend name passes through.
 */
const SYSTEMS: Readonly<Record<string, string>> = {
  redis: "redis",
  dynamodb: "aws.dynamodb",
  memcached: "memcached",
  etcd: "etcd",
  memory: "sessionkv.memory",
};

export function dbSystemName(backend: string): string {
  return SYSTEMS[backend] ?? backend;
}

/** Bucket boundaries, seconds, the database client conventions advise for operation durations. */
export const DURATION_BUCKETS_S = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];
