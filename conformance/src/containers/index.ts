// @sessionkv/conformance/containers — real servers for tests, through Testcontainers.
// `testcontainers` is an optional peer dependency, loaded on first use (see load.ts);
// nothing exported here mentions its types, so this entry point type-checks without it.

export type { BackendDefinition, DebianBuild, ServerVersion } from "./backend.js";
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
} from "./backends.js";
export {
  type Backend,
  BACKENDS,
  defaultImage,
  IMAGE_ENV,
  LOCAL_IMAGES,
  localImagesSelected,
  OFFICIAL_IMAGES,
} from "./images.js";
export { CELL_ENV, MATRIX, type MatrixCell, cellEnvironment, matrixCell, selectedCell } from "./matrix.js";
export { containerRuntime, isCI, type RuntimeStatus, requireContainers } from "./runtime.js";
export { signalProcess } from "./signal.js";
export { freePort, type StartedServer, type StartOptions, stopAllServers } from "./server.js";
