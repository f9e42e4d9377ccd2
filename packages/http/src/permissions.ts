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

/** The original's four hooks (`can_start_session`, …), plus one for `GET /nodes`. Each allows everything when absent, as there. */
export interface Permissions {
  readonly canStartSession?: PermissionHook;
  readonly canCloseSession?: PermissionHook;
  readonly canViewSession?: PermissionHook;
  readonly canViewMetrics?: PermissionHook;
  readonly canViewNodes?: NodesPermissionHook;
}

export const PERMISSION_HOOKS = [
  "canStartSession",
  "canCloseSession",
  "canViewSession",
  "canViewMetrics",
  "canViewNodes",
] as const;

/** The hook's verdict: undefined when allowed, else the response to answer with. */
export async function refusal<C>(
  hook: ((context: C) => boolean | Response | Promise<boolean | Response>) | undefined,
  context: C,
): Promise<Response | HttpError | undefined> {
  if (hook === undefined) return undefined;
  const verdict = await hook(context);
  if (verdict === true) return undefined;
  if (verdict instanceof Response) return verdict;
  return new HttpError(403, HttpErrorCode.FORBIDDEN, "not permitted");
}

/** The hook's verdict as a yes or no, for listings and the permissions route (a custom response counts as no). */
export async function allows<C>(
  hook: ((context: C) => boolean | Response | Promise<boolean | Response>) | undefined,
  context: C,
): Promise<boolean> {
  return (await refusal(hook, context)) === undefined;
}
