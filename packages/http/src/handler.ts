import { SessionApi } from "./api.js";
import { Cors } from "./cors.js";
import { HttpError, HttpErrorCode, errorResponse, toHttpError } from "./errors.js";
import { type SessionHandlerOptions, resolveOptions } from "./options.js";
import { Router, segmentsOf } from "./router.js";

/** A Fetch-API handler: Node's server (through `toNodeListener`), Hono, Bun and Deno take it as is. */
export type SessionHandler = (request: Request) => Promise<Response>;

/**
 * The runner's HTTP API over a `SessionHost` (README "Routes"). Options are checked here:
 * a bad one throws `ERR_INVALID_ARGUMENT` naming it. The handler never rejects; every failure is
 * a JSON error response, and the causes of 5xx ones go to the logger.
 */
export function createSessionHandler(options: SessionHandlerOptions): SessionHandler {
  const resolved = resolveOptions(options);
  const router = new Router(new SessionApi(resolved).routes());
  const cors = resolved.cors === undefined ? undefined : new Cors(resolved.cors);
  return async (request) => {
    const preflight = cors?.preflight(request);
    if (preflight !== undefined) return preflight;
    let response: Response;
    try {
      const segments = segmentsOf(new URL(request.url).pathname, resolved.basePath);
      if (segments === undefined) throw new HttpError(404, HttpErrorCode.NOT_FOUND, "no such route");
      const { action, params } = router.match(request.method, segments);
      response = await action(request, params);
    } catch (error) {
      response = errorResponse(toHttpError(error, resolved.logger));
    }
    return cors === undefined ? response : cors.decorate(request, response);
  };
}
