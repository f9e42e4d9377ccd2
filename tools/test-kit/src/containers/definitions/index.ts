// The backend registry. Adding a backend is one file next to this one plus its line
// here; the start functions, version matrices, CI matrix (../matrix.ts) and the local
// image build (scripts/containers/build-images.sh) all follow from the definitions.
// The order is kept: the image build lists each suite's Debian packages in this order.

import dynamodb from "./dynamodb.ts";
import etcdCluster from "./etcd-cluster.ts";
import etcd from "./etcd.ts";
import memcached from "./memcached.ts";
import redisCluster from "./redis-cluster.ts";
import redisSentinel from "./redis-sentinel.ts";
import redis from "./redis.ts";
import valkey from "./valkey.ts";

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
