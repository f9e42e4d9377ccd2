// The backend registry. Adding a backend is one file next to this one plus its line
// here; the start functions, version matrices, CI matrix (../matrix.ts) and the local
// image build (scripts/containers/build-images.sh) all follow from the definitions.
// The order is kept: the image build lists each suite's Debian packages in this order.

import dynamodb from "./dynamodb.js";
import etcd from "./etcd.js";
import memcached from "./memcached.js";
import redisCluster from "./redis-cluster.js";
import redis from "./redis.js";
import valkey from "./valkey.js";

export const BACKENDS = { redis, valkey, "redis-cluster": redisCluster, memcached, etcd, dynamodb } as const;

export type Backend = keyof typeof BACKENDS;

export const BACKEND_NAMES = Object.keys(BACKENDS) as Backend[];
