/**
 * `@sessionkv/http`: the Python original's runner API over a `SessionHost`, as a Fetch-API
 * handler, with a `node:http` adapter and a dashboard page. README "Routes" is the contract.
 */
export { createSessionHandler } from "./handler.js";
export type { SessionHandler } from "./handler.js";
export { toNodeListener } from "./node-adapter.js";
export type {
  DashboardOptions,
  LaunchContext,
  LaunchSession,
  SessionHandlerOptions,
  StartSessionBody,
} from "./options.js";
export type { CorsOptions } from "./cors.js";
export type {
  DrainPermissionHook,
  NodesPermissionHook,
  PermissionContext,
  PermissionHook,
  Permissions,
} from "./permissions.js";
export { HttpErrorCode, LIMIT_REACHED } from "./errors.js";
export type { NodeBody } from "./nodes.js";
export type { SessionBody, SessionMetricsBody } from "./wire.js";
