/**
 * CORS is off unless configured: the original opens it to every origin with credentials, which
 * lets any web page a logged-in operator visits start and close sessions.
 */
export interface CorsOptions {
  /** Origins that may call the API from a browser, exactly as the `Origin` header spells them (`"*"`: any). */
  readonly allowOrigins: readonly string[];
  /** Request headers a preflight may ask for. Default `["content-type", "authorization"]`. */
  readonly allowHeaders?: readonly string[];
  /** Sends `Access-Control-Allow-Credentials: true` (cookies, HTTP auth). Default false. */
  readonly allowCredentials?: boolean;
  /** How long a browser may cache a preflight. Default 600. */
  readonly maxAgeSeconds?: number;
}

const METHODS = "GET, POST, DELETE";

export class Cors {
  readonly #origins: ReadonlySet<string>;
  readonly #headers: string;
  readonly #credentials: boolean;
  readonly #maxAge: string;

  constructor(options: CorsOptions) {
    this.#origins = new Set(options.allowOrigins);
    this.#headers = (options.allowHeaders ?? ["content-type", "authorization"]).join(", ");
    this.#credentials = options.allowCredentials ?? false;
    this.#maxAge = String(options.maxAgeSeconds ?? 600);
  }

  /** The answer to a preflight (`OPTIONS` with `Access-Control-Request-Method`), or undefined for other requests. */
  preflight(request: Request): Response | undefined {
    if (request.method !== "OPTIONS" || !request.headers.has("access-control-request-method"))
      return undefined;
    const headers = this.#allowed(request);
    if (headers === undefined) return new Response(null, { status: 204, headers: { vary: "Origin" } });
    headers.set("access-control-allow-methods", METHODS);
    headers.set("access-control-allow-headers", this.#headers);
    headers.set("access-control-max-age", this.#maxAge);
    return new Response(null, { status: 204, headers });
  }

  /** The response with the CORS headers its request's origin gets (none for an origin not allowed). */
  decorate(request: Request, response: Response): Response {
    const allowed = this.#allowed(request);
    const headers = new Headers(response.headers);
    headers.append("vary", "Origin");
    if (allowed !== undefined) for (const [name, value] of allowed) headers.set(name, value);
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }

  #allowed(request: Request): Headers | undefined {
    const origin = request.headers.get("origin");
    if (origin === null || !(this.#origins.has(origin) || this.#origins.has("*"))) return undefined;
    const headers = new Headers({ "access-control-allow-origin": origin, vary: "Origin" });
    if (this.#credentials) headers.set("access-control-allow-credentials", "true");
    return headers;
  }
}
