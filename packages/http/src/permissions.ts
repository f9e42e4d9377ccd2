import { HttpError, HttpErrorCode } from "./errors.js";

/** What a permission hook is asked about. The original's hooks receive `call_id`; these also get the request. */
export interface PermissionContext {
  readonly request: Request;
  readonly callId: string;
  /** Absent for start, listings and the permissions route. */
  readonly sessionId?: string;
}

/**
 * Allows (`true`) or refuses (`false`: 403 `ERR_FORBIDDEN`) a request, or answers it with its own
 * response (a 401 with `WWW-Authenticate`, say), as the original's hooks raise an `HTTPException`.
 */
export type PermissionHook = (context: PermissionContext) => boolean | Response | Promise<boolean | Response>;

/** Who may see the node list: it names no call, so it has a hook of its own. */
export type NodesPermissionHook = (context: {
  readonly request: Request;
}) => boolean | Response | Promise<boolean | Response>;

/** Who may drain a node (`POST /nodes/{node}/drain`): asked with the node the request names. */
export type DrainPermissionHook = (context: {
  readonly request: Request;
  readonly nodeId: string;
}) => boolean | Response | Promise<boolean | Response>;

/**
 * The original's four hooks (`can_start_session`, …), plus one for `GET /nodes` and one for drain.
 * Each allows everything when absent, as there, except `canDrainNode`: the original has no drain to
 * stay compatible with, and one request takes a node out of service, so it must be given to allow it.
 */
export interface Permissions {
  readonly canStartSession?: PermissionHook;
  readonly canCloseSession?: PermissionHook;
  readonly canViewSession?: PermissionHook;
  readonly canViewMetrics?: PermissionHook;
  readonly canViewNodes?: NodesPermissionHook;
  readonly canDrainNode?: DrainPermissionHook;
}

export const PERMISSION_HOOKS = [
  "canStartSession",
  "canCloseSession",
  "canViewSession",
  "canViewMetrics",
  "canViewNodes",
  "canDrainNode",
] as const;

/**
 * The hook's verdict: undefined when allowed, else the response to answer with. An absent hook
 * allows, unless `absentAllows` is false (`canDrainNode`).
 */
export async function refusal<C>(
  hook: ((context: C) => boolean | Response | Promise<boolean | Response>) | undefined,
  context: C,
  absentAllows = true,
): Promise<Response | HttpError | undefined> {
  if (hook === undefined)
    return absentAllows
      ? undefined
      : new HttpError(403, HttpErrorCode.FORBIDDEN, "not permitted: no permission hook allows this");
  const verdict = await hook(context);
  if (verdict === true) return undefined;
  if (verdict instanceof Response) return verdict;
  return new HttpError(403, HttpErrorCode.FORBIDDEN, "not permitted");
}

/** The hook's verdict as a yes or no, for listings and the permissions route (a custom response counts as no). */
export async function allows<C>(
  hook: ((context: C) => boolean | Response | Promise<boolean | Response>) | undefined,
  context: C,
  absentAllows = true,
): Promise<boolean> {
  return (await refusal(hook, context, absentAllows)) === undefined;
}
