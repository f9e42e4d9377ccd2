// @sessionkv/test-kit — real servers for this repository's tests, through Testcontainers.
// `testcontainers` is an optional peer dependency, loaded on first use (see load.ts);
// nothing exported here mentions its types, so this entry point type-checks without it.

export type { BackendDefinition, DebianBuild, ServerVersion } from "./definition.ts";
export {
  backendTargets,
  dynamodbTargets,
  etcdTargets,
  memcachedTargets,
  redisTargets,
  type ServerTarget,
  startBackend,
  startDynamoDB,
  startEtcd,
  startMemcached,
  startMemcachedPool,
  startRedis,
  startValkey,
} from "./backend-servers.ts";
export {
  type Backend,
  BACKENDS,
  defaultImage,
  IMAGE_ENV,
  LOCAL_IMAGES,
  localImagesSelected,
  OFFICIAL_IMAGES,
} from "./images.ts";
export { CELL_ENV, MATRIX, type MatrixCell, cellEnvironment, matrixCell, selectedCell } from "./matrix.ts";
export { containerRuntime, isCI, type RuntimeStatus, requireContainers } from "./runtime.ts";
export { signalProcess } from "./signal.ts";
export {
  freePort,
  liveContainerIds,
  type StartedServer,
  type StartOptions,
  stopAllServers,
} from "./server.ts";
// What only the fault command (tools/faults) needs of two multi-server fixtures.
export { onDiskCommand } from "./definitions/dynamodb.ts";
export { etcdMemberName } from "./definitions/etcd-cluster.ts";
