// The backend registry. Adding a backend is one file next to this one plus its line
// here; the start functions, version matrices, CI matrix (../matrix.ts) and the local
// image build (scripts/containers/build-images.sh) all follow from the definitions.
// The order is kept: the image build lists each suite's Debian packages in this order.

import dynamodb from "./dynamodb.js";
import etcdCluster from "./etcd-cluster.js";
import etcd from "./etcd.js";
import memcached from "./memcached.js";
import redisCluster from "./redis-cluster.js";
import redisSentinel from "./redis-sentinel.js";
import redis from "./redis.js";
import valkey from "./valkey.js";

export const BACKENDS = {
  redis,
  valkey,
  "redis-cluster": redisCluster,
  "redis-sentinel": redisSentinel,
  memcached,
  etcd,
  "etcd-cluster": etcdCluster,
  dynamodb,
} as const;

export type Backend = keyof typeof BACKENDS;

export const BACKEND_NAMES = Object.keys(BACKENDS) as Backend[];
