import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Admission, ExecutionQueue, GatewayEngine, ExecutionClient, ExecutionLocator, GatewayEndpoint, LocalNodeRegistry, NodeRegistry, Readiness } from "../engine/internal.js";
import type { WorkflowGenerator } from "../generator/types.js";
import type { AuditLog, Logger, NodeMetrics } from "../observability/index.js";
import { loadTokens, TokenStore } from "./auth/index.js";
import { GatewayError } from "./errors.js";
import { isLoopback, type GatewayOptions } from "./gateway-options.js";
import { GrpcGateway } from "./grpc/index.js";
import { HttpGateway, LOOPBACK_HOSTNAMES } from "./http/index.js";
import { mcpHttpEndpoint, type McpHttpEndpoint } from "./mcp/index.js";
import { Operations, ServerPaths, WatchFanOut, Watchers, WorkflowDirectory } from "./operations/index.js";
import { VERSION } from "./version.js";
import { given } from "../present.js";

/** What the gateways are given by their node: they build none of it. */
export interface GatewaysDeps {
  /** What they start, read, cancel and watch executions through: the node's client (a cluster's, or its engine). */
  client: ExecutionClient;
  /** Where the client's executions run. */
  locator: ExecutionLocator;
  /** The node's engine, for its configuration only (limits, the caller policy inline workflows are checked against). */
  engine: GatewayEngine;
  admission: Admission;
  queue: ExecutionQueue;
  /** Whether requests with no free slot wait in the queue (one node) or are refused (a cluster member, for now). */
  queueing: boolean;
  /** This node's own entry: the gateways set the endpoints they listen on. */
  self: LocalNodeRegistry;
  /** What list_nodes and WatchNodes answer from. */
  nodes: NodeRegistry;
  tokens: TokenStore;
  metrics: NodeMetrics;
  audit: AuditLog;
  logger: Logger;
  /** The node's data dir: inline workflows get a sandbox under it unless the options name one. */
  dataDir: string;
  generator?: WorkflowGenerator | undefined;
  readiness: () => Readiness;
}

/** The tokens the options name; refuses a node that would listen beyond loopback without any. */
export function gatewayTokens(options: Readonly<GatewayOptions>): TokenStore {
  const entries = loadTokens({ ...given({ file: options.tokensFile }), ...given({ envText: options.tokensText }) });
  const tokens = new TokenStore(entries, { ...given({ maxRunning: options.maxRunningPerToken }), maxWatchers: options.maxWatchersPerToken });
  if ((options.http || options.grpc) && tokens.open && options.host !== undefined && !isLoopback(options.host)) {
    throw new GatewayError("WFX_GATEWAY_CONFIG", `refusing to listen on ${options.host} without tokens: anyone who can reach it could run workflows`, {
      hint: "configure tokens (--tokens FILE or WFX_TOKENS), or drop --host to listen on 127.0.0.1 only",
    });
  }
  return tokens;
}

/** The shared operations and the HTTP (+MCP) and gRPC gateways in front of them, over what the node gives them. */
export class Gateways {
  readonly operations: Operations;
  httpUrl: string | undefined;
  mcpUrl: string | undefined;
  grpcAddress: string | undefined;
  readonly #options: Readonly<GatewayOptions>;
  readonly #deps: GatewaysDeps;
  #http: HttpGateway | undefined;
  #mcp: McpHttpEndpoint | undefined;
  #grpc: GrpcGateway | undefined;

  constructor(options: Readonly<GatewayOptions>, deps: GatewaysDeps) {
    this.#options = options;
    this.#deps = deps;
    const sandboxDir = options.sandboxDir ?? join(deps.dataDir, "inline");
    mkdirSync(sandboxDir, { recursive: true });
    const workflows = new WorkflowDirectory(options.workflowDirs);
    this.operations = new Operations({
      client: deps.client,
      locator: deps.locator,
      engine: deps.engine,
      workflows,
      paths: new ServerPaths([{ path: sandboxDir, name: "<sandbox>" }, { path: deps.dataDir, name: "<data>" }, ...workflows.folders]),
      registry: deps.nodes,
      admission: deps.admission,
      queue: deps.queue,
      queueing: deps.queueing,
      watchers: new Watchers(options.maxWatchers),
      fanOut: new WatchFanOut(deps.client),
      metrics: deps.metrics,
      audit: deps.audit,
      sandboxDir,
      generator: deps.generator,
      idempotencyWindowMs: options.idempotencyWindowMs,
    });
  }

  /** Starts the gateways the options ask for and resolves once they listen. */
  async listen(): Promise<void> {
    const o = this.#options;
    const { tokens, logger, metrics, self } = this.#deps;
    await this.operations.deps.workflows.refresh();
    const host = o.host ?? (tokens.open ? "127.0.0.1" : "0.0.0.0");
    if (tokens.open && (o.http || o.grpc)) {
      logger.warn({ host }, "no tokens configured: listening on loopback only, and every local caller has every scope (configure --tokens FILE or WFX_TOKENS to serve the network)");
    }
    const tls = o.tlsCertFile !== undefined && o.tlsKeyFile !== undefined ? { cert: readFileSync(o.tlsCertFile), key: readFileSync(o.tlsKeyFile) } : undefined;
    const endpoints: GatewayEndpoint[] = [];
    if (o.http) {
      this.#mcp = mcpHttpEndpoint(this.operations, { name: "workflow-executor", version: VERSION }, { maxBodyBytes: o.maxBodyBytes, logger, maxSessions: o.mcpMaxSessions, maxSessionsPerToken: o.mcpMaxSessionsPerToken });
      const allowedHosts = isLoopback(host) ? [...LOOPBACK_HOSTNAMES, ...o.allowedHosts] : o.allowedHosts.length > 0 ? [...o.allowedHosts] : undefined;
      this.#http = new HttpGateway(
        { operations: this.operations, tokens, metrics, logger, mcp: this.#mcp, readiness: this.#deps.readiness, nodeId: self.self().id },
        { host, port: o.httpPort, mcpPath: o.mcpPath, maxBodyBytes: o.maxBodyBytes, tls, allowedHosts, allowedOrigins: [...o.allowedOrigins], traceUrlTemplate: o.traceUrlTemplate },
      );
      this.httpUrl = await this.#http.listen();
      this.mcpUrl = `${this.httpUrl}${o.mcpPath}`;
      endpoints.push({ kind: "http", address: this.httpUrl }, { kind: "mcp", address: this.mcpUrl });
    }
    if (o.grpc) {
      this.#grpc = new GrpcGateway(
        { operations: this.operations, tokens, registry: this.#deps.nodes, metrics, logger },
        { host, port: o.grpcPort, maxMessageBytes: o.grpcMaxMessageBytes, tls },
      );
      this.grpcAddress = await this.#grpc.listen();
      endpoints.push({ kind: "grpc", address: this.grpcAddress });
    }
    self.setGateways(endpoints);
    if (o.http || o.grpc) logger.info({ node: self.self().id, http: this.httpUrl, mcp: this.mcpUrl, grpc: this.grpcAddress, tls: tls !== undefined, workflows: this.operations.deps.workflows.names().length }, "gateways listening");
  }

  /** gRPC health follows the node's readiness (a lost NATS turns it NOT_SERVING until the connection is back). */
  setServing(serving: boolean): void {
    this.#grpc?.setServing(serving);
  }

  /** Takes no new connections; resolves once the HTTP server stopped listening. */
  stopAccepting(): Promise<void> {
    const stopped = this.#http?.stopAccepting();
    this.#grpc?.stopAccepting();
    return stopped ?? Promise.resolve();
  }

  /** Lets sync calls (and async ones too with `waitForAsync`) finish for up to `graceMs`, then cancels what still runs. */
  drainExecutions(graceMs: number, waitForAsync: boolean): Promise<{ finished: number; cancelled: number }> {
    return this.operations.executions.drain(graceMs, waitForAsync);
  }

  /** Closes every connection left and the MCP sessions. */
  async close(stopped: Promise<void>): Promise<void> {
    this.#http?.closeAll();
    await stopped;
    await this.#mcp?.close();
    this.#grpc?.close();
  }
}
