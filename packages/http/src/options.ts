import { randomUUID } from "node:crypto";
import { consoleLogger } from "@sessionkv/core";
import type { HostedSession, SessionHost, SessionLogger } from "@sessionkv/core";
import {
  invalidArgument,
  validateBoolean,
  validateInteger,
  validateOptionsObject,
} from "@sessionkv/core/store-kit";
import type { CorsOptions } from "./cors.js";
import { PERMISSION_HOOKS, type Permissions } from "./permissions.js";

/** A start request's body: the original's `StartSessionRequest` (`call_type`, default `"default"`) and any other fields sent. */
export interface StartSessionBody {
  readonly call_type: string;
  readonly [field: string]: unknown;
}

export interface LaunchContext {
  /** The id the session will be hosted under (from `newSessionId`). */
  readonly sessionId: string;
  readonly request: Request;
}

/**
 * Starts the application's session for a start request and returns it for the host to register.
 * Throw an error with `code: "ERR_LIMIT_REACHED"` (and optional `details`) to answer 429.
 */
export type LaunchSession = (
  callId: string,
  body: StartSessionBody,
  context: LaunchContext,
) => HostedSession | Promise<HostedSession>;

export interface DashboardOptions {
  /** Where the page is served, under `basePath`. Default `"/dashboard"`. */
  readonly path?: string;
  /** Shows close and drain buttons (where `canCloseSession`, `canDrainNode` allow). Default false: the page only reads. */
  readonly writes?: boolean;
  /** How often the page reads the JSON routes. Default 2000 ms, at least 250. */
  readonly pollIntervalMs?: number;
}

export interface SessionHandlerOptions {
  /** This node's host; its registry answers the reads, it hosts the sessions `launch` starts. */
  readonly host: SessionHost;
  readonly launch: LaunchSession;
  readonly permissions?: Permissions;
  /** Off when absent. */
  readonly cors?: CorsOptions;
  /** A path prefix the routes live under (`"/agents"`), for a handler mounted below the root. Default `""`. */
  readonly basePath?: string;
  /** The dashboard page; `false` does not serve it. Default: served, read-only. */
  readonly dashboard?: boolean | DashboardOptions;
  /** The largest request body read. Default 65536 bytes. */
  readonly maxBodyBytes?: number;
  /** Ids of started sessions. Default `randomUUID`, as the original. */
  readonly newSessionId?: () => string;
  /** Receives the causes of 5xx answers and failed background closes. Default: the console. */
  readonly logger?: SessionLogger;
}

export interface ResolvedOptions {
  readonly host: SessionHost;
  readonly launch: LaunchSession;
  readonly permissions: Permissions;
  readonly cors: CorsOptions | undefined;
  readonly basePath: string;
  readonly dashboard: Required<DashboardOptions> | undefined;
  readonly maxBodyBytes: number;
  readonly newSessionId: () => string;
  readonly logger: SessionLogger;
}

/** Every option checked at construction: a bad one is `ERR_INVALID_ARGUMENT` naming it. */
export function resolveOptions(options: SessionHandlerOptions): ResolvedOptions {
  validateOptionsObject(options);
  if (!isHost(options.host)) throw invalidArgument("host", "must be a SessionHost");
  if (typeof options.launch !== "function") throw invalidArgument("launch", "must be a function");
  const permissions = options.permissions ?? {};
  if (permissions === null || typeof permissions !== "object")
    throw invalidArgument("permissions", "must be an object of hooks");
  for (const name of PERMISSION_HOOKS) {
    const hook = permissions[name];
    if (hook !== undefined && typeof hook !== "function")
      throw invalidArgument(`permissions.${name}`, "must be a function or undefined");
  }
  if (options.cors !== undefined) validateCors(options.cors);
  const basePath = options.basePath ?? "";
  validatePath(basePath, "basePath", true);
  const maxBodyBytes = options.maxBodyBytes ?? 65_536;
  validateInteger(maxBodyBytes, "maxBodyBytes", 1);
  const newSessionId = options.newSessionId ?? randomUUID;
  if (typeof newSessionId !== "function") throw invalidArgument("newSessionId", "must be a function");
  return {
    host: options.host,
    launch: options.launch,
    permissions,
    cors: options.cors,
    basePath,
    dashboard: resolveDashboard(options.dashboard ?? true),
    maxBodyBytes,
    newSessionId,
    logger: options.logger ?? consoleLogger,
  };
}

function resolveDashboard(dashboard: boolean | DashboardOptions): Required<DashboardOptions> | undefined {
  if (dashboard === false) return undefined;
  const given = dashboard === true ? {} : dashboard;
  if (given === null || typeof given !== "object")
    throw invalidArgument("dashboard", "must be a boolean or an object");
  const path = given.path ?? "/dashboard";
  validatePath(path, "dashboard.path", false);
  const writes = given.writes ?? false;
  validateBoolean(writes, "dashboard.writes");
  const pollIntervalMs = given.pollIntervalMs ?? 2000;
  validateInteger(pollIntervalMs, "dashboard.pollIntervalMs", 250);
  return { path, writes, pollIntervalMs };
}

function validateCors(cors: CorsOptions): void {
  if (cors === null || typeof cors !== "object") throw invalidArgument("cors", "must be an object");
  const origins: unknown = cors.allowOrigins;
  if (
    !Array.isArray(origins) ||
    origins.length === 0 ||
    !origins.every((o) => typeof o === "string" && o !== "")
  )
    throw invalidArgument("cors.allowOrigins", "must be a non-empty array of origins");
  const headers: unknown = cors.allowHeaders;
  if (
    headers !== undefined &&
    (!Array.isArray(headers) || !headers.every((h) => typeof h === "string" && h !== ""))
  )
    throw invalidArgument("cors.allowHeaders", "must be an array of header names");
  if (cors.allowCredentials !== undefined) validateBoolean(cors.allowCredentials, "cors.allowCredentials");
  if (cors.maxAgeSeconds !== undefined) validateInteger(cors.maxAgeSeconds, "cors.maxAgeSeconds", 0);
}

/** `""` (when allowed) or `/a/b`: one leading slash, no trailing one. */
function validatePath(path: unknown, parameter: string, emptyAllowed: boolean): void {
  if (typeof path !== "string") throw invalidArgument(parameter, "must be a string");
  if (path === "" && emptyAllowed) return;
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(path))
    throw invalidArgument(
      parameter,
      `${JSON.stringify(path)} must look like "/a" or "/a/b" (no trailing slash)`,
    );
}

function isHost(value: unknown): value is SessionHost {
  if (value === null || typeof value !== "object") return false;
  const host = value as Record<string, unknown>;
  return (
    typeof host.add === "function" &&
    typeof host.requestClose === "function" &&
    typeof host.registry === "object" &&
    host.registry !== null
  );
}
