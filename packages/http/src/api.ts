import { ErrorCode, isSessionKVError, validateSessionIds } from "@sessionkv/core";
import type { HostedSession, SessionInfo } from "@sessionkv/core";
import { readDrainBody, readStartBody } from "./body.js";
import { dashboardPage } from "./dashboard/page.js";
import { HttpError, HttpErrorCode, LIMIT_REACHED, errorResponse } from "./errors.js";
import { nodeBody } from "./nodes.js";
import type { ResolvedOptions } from "./options.js";
import { allows, refusal } from "./permissions.js";
import type { Route } from "./router.js";
import { sessionBody, sessionMetricsBody } from "./wire.js";

export type Action = (request: Request, params: Readonly<Record<string, string>>) => Promise<Response>;

/** One method per route of README "Routes"; `routes()` is the table the router matches. */
export class SessionApi {
  readonly #o: ResolvedOptions;

  constructor(options: ResolvedOptions) {
    this.#o = options;
  }

  routes(): Route<Action>[] {
    const routes: Route<Action>[] = [
      { pattern: ["health"], methods: { GET: async () => new Response(null, { status: 200 }) } },
      { pattern: ["ready"], methods: { GET: async () => this.#ready() } },
      { pattern: ["nodes"], methods: { GET: (r) => this.#nodes(r) } },
      {
        pattern: ["nodes", ":node", "drain"],
        methods: { POST: (r, p) => this.#drain(r, node(p)) },
      },
      {
        pattern: ["nodes", ":node", "permissions"],
        methods: { GET: (r, p) => this.#nodePermissions(r, node(p)) },
      },
      { pattern: ["sessions"], methods: { GET: (r) => this.#listAll(r) } },
      {
        pattern: ["calls", ":call", "sessions"],
        methods: { GET: (r, p) => this.#listCall(r, call(p)), POST: (r, p) => this.#start(r, call(p)) },
      },
      {
        pattern: ["calls", ":call", "sessions", ":session"],
        methods: {
          GET: (r, p) => this.#get(r, call(p), session(p)),
          DELETE: (r, p) => this.#close(r, call(p), session(p)),
        },
      },
      {
        pattern: ["calls", ":call", "sessions", ":session", "close"],
        methods: { POST: (r, p) => this.#close(r, call(p), session(p)) },
      },
      {
        pattern: ["calls", ":call", "sessions", ":session", "metrics"],
        methods: { GET: (r, p) => this.#metrics(r, call(p), session(p)) },
      },
      {
        pattern: ["calls", ":call", "permissions"],
        methods: { GET: (r, p) => this.#permissions(r, call(p)) },
      },
    ];
    const dashboard = this.#o.dashboard;
    if (dashboard !== undefined) {
      routes.push({
        pattern: dashboard.path.split("/").slice(1),
        methods: { GET: async () => this.#dashboard() },
      });
    }
    return routes;
  }

  #ready(): Response {
    if (this.#o.host.running) return new Response(null, { status: 200 });
    throw new HttpError(503, HttpErrorCode.NOT_READY, "Server is not ready to accept requests");
  }

  async #start(request: Request, callId: string): Promise<Response> {
    const refused = await this.#refused(this.#o.permissions.canStartSession, { request, callId });
    if (refused) return refused;
    const body = await readStartBody(request, this.#o.maxBodyBytes);
    const { host, launch, logger } = this.#o;
    const sessionId = this.#o.newSessionId();
    validateSessionIds(callId, sessionId, host.registry.store.capabilities);
    // Checked before launch: an agent that joined a call must not be left without a host.
    if (!host.running) throw new HttpError(503, ErrorCode.NOT_RUNNING, "the host is not running");
    if (host.draining)
      throw new HttpError(
        503,
        ErrorCode.DRAINING,
        `node ${JSON.stringify(host.registry.nodeId)} is draining: it takes no new sessions`,
      );
    let session: HostedSession;
    try {
      session = await launch(callId, body, { sessionId, request });
    } catch (error) {
      throw launchFailure(error, logger);
    }
    try {
      await host.add(callId, sessionId, session);
    } catch (error) {
      // The host could not take the session, so nothing else will ever close it.
      await Promise.resolve()
        .then(() => session.close("host-stopped"))
        .catch((closeError: unknown) =>
          logger.error("sessionkv/http: closing a session the host refused threw", closeError),
        );
      throw error;
    }
    const stored = await host.registry.get(callId, sessionId);
    const info: SessionInfo = stored ?? {
      sessionId,
      callId,
      nodeId: host.registry.nodeId,
      startedAt: Date.now(),
      metricsUpdatedAt: Date.now(),
      metrics: {},
    };
    return json(sessionBody(info), 201);
  }

  async #close(request: Request, callId: string, sessionId: string): Promise<Response> {
    const refused = await this.#refused(this.#o.permissions.canCloseSession, { request, callId, sessionId });
    if (refused) return refused;
    const { host, logger } = this.#o;
    validateSessionIds(callId, sessionId, host.registry.store.capabilities);
    if (host.sessions.get(sessionId) === callId) {
      // Accepted, not awaited: as in the original, the answer means "asked", and the session's own
      // close may take as long as it needs.
      host.requestClose(callId, sessionId).catch((error: unknown) => {
        logger.error(`sessionkv/http: closing session ${JSON.stringify(sessionId)} failed`, error);
      });
      return new Response(null, { status: 202 });
    }
    if (!(await host.registry.requestClose(callId, sessionId))) throw notFound(sessionId);
    return new Response(null, { status: 202 });
  }

  async #get(request: Request, callId: string, sessionId: string): Promise<Response> {
    const refused = await this.#refused(this.#o.permissions.canViewSession, { request, callId, sessionId });
    if (refused) return refused;
    const info = await this.#o.host.registry.get(callId, sessionId);
    if (info === null) throw notFound(sessionId);
    return json(sessionBody(info));
  }

  async #metrics(request: Request, callId: string, sessionId: string): Promise<Response> {
    const refused = await this.#refused(this.#o.permissions.canViewMetrics, { request, callId, sessionId });
    if (refused) return refused;
    const info = await this.#o.host.registry.get(callId, sessionId);
    if (info === null) throw notFound(sessionId);
    return json(sessionMetricsBody(info));
  }

  async #listCall(request: Request, callId: string): Promise<Response> {
    const { permissions, host } = this.#o;
    const refused = await this.#refused(permissions.canViewSession, { request, callId });
    if (refused) return refused;
    const sessions = await host.registry.getForCall(callId);
    const withMetrics = await allows(permissions.canViewMetrics, { request, callId });
    return json({ call_id: callId, sessions: sessions.map((s) => listed(s, withMetrics)) });
  }

  /** Every call's sessions the view hook allows, metrics where the metrics hook allows them. */
  async #listAll(request: Request): Promise<Response> {
    const { permissions, host } = this.#o;
    const sessions = await host.registry.getAll();
    const verdicts = new Map<string, Promise<{ view: boolean; metrics: boolean }>>();
    const verdict = (callId: string) => {
      let found = verdicts.get(callId);
      if (found === undefined) {
        found = (async () => {
          const view = await allows(permissions.canViewSession, { request, callId });
          return { view, metrics: view && (await allows(permissions.canViewMetrics, { request, callId })) };
        })();
        verdicts.set(callId, found);
      }
      return found;
    };
    const shown = [];
    for (const s of sessions) {
      const { view, metrics } = await verdict(s.callId);
      if (view) shown.push(listed(s, metrics));
    }
    return json({ node_id: host.registry.nodeId, sessions: shown });
  }

  async #nodes(request: Request): Promise<Response> {
    const refused = await this.#refused(this.#o.permissions.canViewNodes, { request });
    if (refused) return refused;
    const { registry } = this.#o.host;
    const nodes = (await registry.getNodes()).map((n) => nodeBody(n, registry.nodeId));
    return json({ ttl_ms: registry.ttlMs, nodes });
  }

  /** Asks the node to drain on its next cycle, through its drain flag (README "Drain"). */
  async #drain(request: Request, nodeId: string): Promise<Response> {
    const refused = await this.#refused(this.#o.permissions.canDrainNode, { request, nodeId }, false);
    if (refused) return refused;
    const options = await readDrainBody(request, this.#o.maxBodyBytes);
    if (!(await this.#o.host.registry.requestDrain(nodeId, options)))
      throw new HttpError(404, HttpErrorCode.NOT_FOUND, `Node with id '${nodeId}' not found`);
    return new Response(null, { status: 202 });
  }

  /** What the caller may do to the node: for the dashboard's drain button. */
  async #nodePermissions(request: Request, nodeId: string): Promise<Response> {
    const p = this.#o.permissions;
    const [view, drain] = await Promise.all([
      allows(p.canViewNodes, { request }),
      allows(p.canDrainNode, { request, nodeId }, false),
    ]);
    return json({ node_id: nodeId, can_view_nodes: view, can_drain_node: drain });
  }

  /** What the caller may do in the call, by the same hooks the routes ask: for the dashboard's buttons. */
  async #permissions(request: Request, callId: string): Promise<Response> {
    const p = this.#o.permissions;
    const context = { request, callId };
    const [start, close, view, metrics] = await Promise.all([
      allows(p.canStartSession, context),
      allows(p.canCloseSession, context),
      allows(p.canViewSession, context),
      allows(p.canViewMetrics, context),
    ]);
    return json({
      call_id: callId,
      can_start_session: start,
      can_close_session: close,
      can_view_session: view,
      can_view_metrics: metrics,
    });
  }

  #dashboard(): Response {
    const dashboard = this.#o.dashboard!;
    const html = dashboardPage({
      basePath: this.#o.basePath,
      writes: dashboard.writes,
      pollIntervalMs: dashboard.pollIntervalMs,
    });
    return new Response(html, {
      status: 200,
      headers: {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        // The page's script and style are inline and it reads only this origin.
        "content-security-policy":
          "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      },
    });
  }

  async #refused<C>(
    hook: ((context: C) => boolean | Response | Promise<boolean | Response>) | undefined,
    context: C,
    absentAllows = true,
  ): Promise<Response | undefined> {
    const verdict = await refusal(hook, context, absentAllows);
    return verdict instanceof HttpError ? errorResponse(verdict) : verdict;
  }
}

/** A listed session: the original's session body, plus its metrics when the metrics hook allows them. */
function listed(info: SessionInfo, withMetrics: boolean) {
  return withMetrics ? sessionMetricsBody(info) : sessionBody(info);
}

function json(body: unknown, status = 200): Response {
  return Response.json(body, { status, headers: { "cache-control": "no-store" } });
}

/** The original's 404 message. */
function notFound(sessionId: string): HttpError {
  return new HttpError(404, HttpErrorCode.NOT_FOUND, `Session with id '${sessionId}' not found`);
}

/** A limit or argument error keeps its meaning (429, 400); anything else is the original's 500. */
function launchFailure(error: unknown, logger: ResolvedOptions["logger"]): unknown {
  if (error instanceof HttpError) return error;
  if (typeof error === "object" && error !== null && Reflect.get(error, "code") === LIMIT_REACHED)
    return error;
  if (isSessionKVError(error, ErrorCode.INVALID_ARGUMENT)) return error;
  logger.error("sessionkv/http: launch failed", error);
  return new HttpError(500, HttpErrorCode.LAUNCH_FAILED, "Failed to start agent");
}

function call(params: Readonly<Record<string, string>>): string {
  return params.call as string;
}

function node(params: Readonly<Record<string, string>>): string {
  return params.node as string;
}

function session(params: Readonly<Record<string, string>>): string {
  return params.session as string;
}
