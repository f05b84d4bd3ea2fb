import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { WfxError } from "../../errors.js";
import { callerTrace, PROMETHEUS_CONTENT_TYPE, type Logger, type NodeMetrics } from "../../observability/index.js";
import { requireNode, requireScopes, type Principal, type TokenStore } from "../auth/index.js";
import { GatewayError, listenFailed, PermissionDeniedError } from "../errors.js";
import type { McpHttpEndpoint } from "../mcp/index.js";
import { METHODS_BY_NAME, type CallContext, type Operations } from "../operations/index.js";
import { DashboardStatic } from "./dashboard-static.js";
import { withTraceLink } from "./trace-link.js";
import { serveExecutionEvents, sseFrames, type SseFrame } from "./execution-events-sse.js";
import { listQueryArgs } from "./list-query.js";
import { serveNodeEvents } from "./node-events-sse.js";
import { checkHostAndOrigin, isJsonBody, type HostGuardOptions } from "./host-guard.js";
import { readJsonBody } from "./request-body.js";
import { callerSignal } from "./caller-signal.js";
import { requestTarget } from "./request-target.js";
import { sendError, sendJson } from "./respond.js";
import { healthAnswer, readinessAnswer } from "./health-answers.js";
import { given } from "../../present.js";

export interface HttpGatewayOptions extends HostGuardOptions {
  host: string;
  port: number;
  mcpPath: string;
  maxBodyBytes: number;
  tls?: { cert: Buffer; key: Buffer } | undefined;
  /** The built dashboard served at /ui (default: dist/ui of this package). */
  dashboardDir?: string | undefined;
  /** Fills `trace_url` in GET /executions/ID (the dashboard's execution page links it). */
  traceUrlTemplate?: string | undefined;
}

export interface HttpGatewayDeps {
  operations: Operations;
  tokens: TokenStore;
  metrics: NodeMetrics;
  logger: Logger;
  mcp: McpHttpEndpoint;
  /** Readiness: false while starting or draining. */
  readiness: () => { ready: boolean; reason?: string; insecure?: string };
  nodeId: string;
}

const EXECUTION_PATH = /^\/executions\/([^/]+)(\/events)?$/;

/** The caller's address; a request whose socket is already gone has none (typed non-null, it can be null). */
function remoteOf(req: IncomingMessage): string | undefined {
  return (req.socket as IncomingMessage["socket"] | null)?.remoteAddress;
}

/** Plain HTTP: health, readiness, metrics, the MCP endpoint, one POST route per method, and SSE event streams. */
/** The execution id in a path; bad %-encoding is the caller's mistake (400), not the node's (500). */
function executionIdOf(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new GatewayError("WFX_INVALID_ARGUMENTS", `the execution id in the path is not valid %-encoding: ${encoded}`, { hint: "send the id as execute_workflow returned it" });
  }
}

export class HttpGateway {
  readonly #deps: HttpGatewayDeps;
  readonly #options: HttpGatewayOptions;
  readonly #server: Server;
  readonly #dashboard: DashboardStatic;
  readonly #sseFrame: SseFrame;

  constructor(deps: HttpGatewayDeps, options: HttpGatewayOptions) {
    this.#deps = deps;
    this.#sseFrame = sseFrames(deps.operations.deps.paths);
    this.#options = options;
    this.#dashboard = new DashboardStatic(options.dashboardDir);
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.#handle(req, res);
    this.#server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handler) : createHttpServer(handler);
    this.#server.keepAliveTimeout = 65_000;
  }

  get url(): string {
    const address = this.#server.address() as AddressInfo;
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    return `${this.#options.tls ? "https" : "http"}://${host}:${address.port}`;
  }

  listen(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", (error) => reject(listenFailed(error, "HTTP/MCP", this.#options.host, this.#options.port, "--port")));
      this.#server.listen(this.#options.port, this.#options.host, () => {
        this.#server.off("error", reject);
        resolve(this.url);
      });
    });
  }

  /** Stops accepting connections and drops idle keep-alive ones; requests in flight keep running. */
  stopAccepting(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    return closed;
  }

  /** Ends every connection still open (after the drain). */
  closeAll(): void {
    this.#server.closeAllConnections();
  }

  #authenticate(req: IncomingMessage, method: string): Principal {
    try {
      return this.#deps.tokens.authenticate(req.headers.authorization);
    } catch (error) {
      this.#deps.operations.reject("http", method, error, remoteOf(req));
      throw error;
    }
  }

  #context(req: IncomingMessage, res: ServerResponse, principal: Principal, gateway = "http"): CallContext {
    const signal = callerSignal(res);
    return {
      principal,
      gateway,
      remote: remoteOf(req),
      get signal() {
        return signal();
      },
      trace: callerTrace(req.headers.traceparent, req.headers.tracestate),
    };
  }

  /** Why a request is refused before any route sees it (another site's page, a rebound name), or undefined. */
  #refusal(req: IncomingMessage): GatewayError | undefined {
    const open = this.#deps.tokens.open;
    const refused = checkHostAndOrigin(req, this.#options, { scheme: this.#options.tls ? "https" : "http", open });
    if (refused !== undefined) return new PermissionDeniedError(refused, { hint: "call the node by an allowed host name (--allowed-host), from its own pages or a client that sends no Origin" });
    if (open && req.method === "POST" && !isJsonBody(req)) {
      return new GatewayError("WFX_UNSUPPORTED_MEDIA_TYPE", `a POST to a node without tokens must be JSON; this one says content-type '${req.headers["content-type"] ?? ""}'`, {
        hint: "send the header content-type: application/json (curl: -H 'content-type: application/json')",
      });
    }
    return undefined;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { path, url } = requestTarget(req.url);
    try {
      if (path === "/health" || path === "/ready") {
        const answer = path === "/health" ? healthAnswer(this.#deps.nodeId) : readinessAnswer(this.#deps.nodeId, this.#deps.readiness());
        return sendJson(res, answer.status, answer.body);
      }
      const refused = this.#refusal(req);
      if (refused !== undefined) {
        this.#deps.operations.reject("http", path, refused, remoteOf(req));
        return sendError(res, refused, this.#deps.operations.deps.paths);
      }
      if (path === "/ui" || path.startsWith("/ui/")) return await this.#dashboard.serve(path, req.method, res);
      if (path === "/whoami" && req.method === "GET") {
        // What the dashboard may offer this token (the server still checks every call).
        const principal = this.#authenticate(req, "whoami");
        return sendJson(res, 200, { id: principal.id, scopes: [...principal.scopes], ...given({ tenant: principal.tenant }), node: this.#deps.nodeId, open: this.#deps.tokens.open });
      }
      if (path === "/executions" && req.method === "GET") {
        const principal = this.#authenticate(req, "list_executions");
        return sendJson(res, 200, await this.#deps.operations.call("list_executions", listQueryArgs(url().searchParams), this.#context(req, res, principal)));
      }
      if (path === "/nodes/events" && req.method === "GET") {
        const principal = this.#authenticate(req, "node_events");
        return await serveNodeEvents(req, res, url(), this.#deps.operations, this.#context(req, res, principal, "sse"));
      }
      if (path === "/metrics") {
        const principal = this.#authenticate(req, "metrics");
        requireScopes(principal, ["read"], "metrics");
        // This node's execution counts, like its methods, are only for tokens that may use the node.
        const self = this.#deps.operations.deps.registry.self();
        requireNode(principal, self.id, self.tags);
        const text = this.#deps.metrics.render();
        res.writeHead(200, { "content-type": PROMETHEUS_CONTENT_TYPE, "content-length": String(Buffer.byteLength(text)) });
        return void res.end(text);
      }
      if (path === this.#options.mcpPath) {
        const principal = this.#authenticate(req, "mcp");
        return await this.#deps.mcp.handle(req, res, principal);
      }
      if (path === "/nodes" && req.method === "GET") {
        // The REST spelling of list_nodes (`?tags=gpu,eu`: only nodes carrying all of them), with its auth and filters.
        const principal = this.#authenticate(req, "list_nodes");
        const tags = url().searchParams.get("tags")?.split(",").map((t) => t.trim()).filter((t) => t !== "");
        return sendJson(res, 200, await this.#deps.operations.call("list_nodes", tags === undefined || tags.length === 0 ? {} : { tags }, this.#context(req, res, principal)));
      }
      const execution = EXECUTION_PATH.exec(path);
      if (execution && req.method === "GET") {
        const principal = this.#authenticate(req, execution[2] ? "execution_events" : "check_execution_status");
        const id = executionIdOf(execution[1]!);
        const ctx = this.#context(req, res, principal, execution[2] ? "sse" : "http");
        if (execution[2]) return await serveExecutionEvents(req, res, url(), id, this.#deps.operations, ctx, this.#sseFrame, this.#options.traceUrlTemplate);
        const answer = await this.#deps.operations.call("check_execution_status", { execution_id: id }, ctx);
        return sendJson(res, answer["status"] === "not_found" ? 404 : 200, withTraceLink(answer, this.#options.traceUrlTemplate));
      }
      const method = path.slice(1);
      if (METHODS_BY_NAME.has(method)) {
        if (req.method !== "POST") return sendJson(res, 405, new GatewayError("WFX_NO_ROUTE", `${req.method} /${method} is not a route`, { hint: `use POST /${method} with a JSON body` }).toJSON(), { allow: "POST" });
        const principal = this.#authenticate(req, method);
        const body = await readJsonBody(req, this.#options.maxBodyBytes, method).catch((error: unknown) => {
          this.#deps.operations.reject("http", method, error, remoteOf(req));
          throw error;
        });
        const answer = await this.#deps.operations.call(method, body, this.#context(req, res, principal));
        return sendJson(res, method === "check_execution_status" && answer["status"] === "not_found" ? 404 : 200, answer);
      }
      const noRoute = new GatewayError("WFX_NO_ROUTE", `no route ${req.method} ${path}`, { hint: `POST one of /${[...METHODS_BY_NAME.keys()].join(", /")}; or ${this.#options.mcpPath}, /health, /ready, /metrics, GET /nodes, /nodes/events, /executions, /executions/ID, /executions/ID/events, /whoami, /ui` });
      return sendJson(res, 404, noRoute.toJSON());
    } catch (error) {
      if (!(error instanceof WfxError)) this.#deps.logger.error({ err: error, path }, "http request failed");
      sendError(res, error, this.#deps.operations.deps.paths);
    }
  }
}
