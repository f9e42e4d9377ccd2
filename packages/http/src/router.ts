import { ErrorCode } from "@sessionkv/core";
import { HttpError, HttpErrorCode } from "./errors.js";

type Method = "GET" | "POST" | "DELETE";

/** A path pattern's segments: literals, or `:name` for a URL-decoded parameter. */
export interface Route<A> {
  readonly pattern: readonly string[];
  readonly methods: Partial<Record<Method, A>>;
}

export interface Match<A> {
  readonly action: A;
  readonly params: Readonly<Record<string, string>>;
}

/** Path-segment routing, nothing more: the routes are a fixed table (README "Routes"). */
export class Router<A> {
  readonly #routes: readonly Route<A>[];

  constructor(routes: readonly Route<A>[]) {
    this.#routes = routes;
  }

  /** The route's action, or a 404 / 405 (`Allow` lists the methods) as an HttpError to throw. */
  match(method: string, segments: readonly string[]): Match<A> {
    for (const route of this.#routes) {
      const params = paramsOf(route.pattern, segments);
      if (params === undefined) continue;
      const action = (route.methods as Record<string, A | undefined>)[method];
      if (action !== undefined) return { action, params };
      const allow = Object.keys(route.methods).join(", ");
      throw new HttpError(405, HttpErrorCode.METHOD_NOT_ALLOWED, `${method} is not allowed here`, undefined, {
        allow,
      });
    }
    throw new HttpError(404, HttpErrorCode.NOT_FOUND, "no such route");
  }
}

/**
 * The path below `basePath` as decoded segments; undefined when the path is not below it. A
 * segment that does not decode (`%E0%A4`) is bad input, not a missing route.
 */
export function segmentsOf(pathname: string, basePath: string): string[] | undefined {
  if (basePath !== "" && pathname !== basePath && !pathname.startsWith(`${basePath}/`)) return undefined;
  const rest = pathname.slice(basePath.length);
  const parts = rest.split("/").slice(1);
  if (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return parts.map((part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw new HttpError(400, ErrorCode.INVALID_ARGUMENT, "the path holds a malformed percent-encoding");
    }
  });
}

function paramsOf(
  pattern: readonly string[],
  segments: readonly string[],
): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i] as string;
    const actual = segments[i] as string;
    if (expected.startsWith(":")) params[expected.slice(1)] = actual;
    else if (expected !== actual) return undefined;
  }
  return params;
}
