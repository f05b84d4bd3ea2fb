import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { EmbeddedExecutionStore, LocalNodeRegistry, resolveDataDir, Runtime, defaultNodeId, type ExecutionClient, type ExecutionRecord, type ExecutionStore, type GatewayEndpoint, type NodeRegistry, type OwnerAlive, type StepHostFactory } from "../engine/index.js";
import type { WorkflowGenerator } from "../generator/types.js";
import { AuditLog, createLogger, NodeMetrics, type Logger } from "../observability/index.js";
import { defaultToolRegistry } from "../tools/index.js";
import { loadTokens, TokenStore } from "./auth/index.js";
import { GatewayError } from "./errors.js";
import { isLoopback, resolveGatewayOptions, type GatewayOptions } from "./gateway-options.js";
import { GrpcGateway } from "./grpc/index.js";
import { HttpGateway, LOOPBACK_HOSTNAMES } from "./http/index.js";
import { mcpHttpEndpoint, type McpHttpEndpoint } from "./mcp/index.js";
import { Admission, NodeExecutor, Operations, ServerPaths, Watchers, WorkflowDirectory } from "./operations/index.js";
import { VERSION } from "./version.js";

export interface GatewayNodeDeps {
  /** A runtime to serve; by default one with an embedded store in the data dir, closed with the node. */
  runtime?: Runtime;
  /** What the gateways start, read, cancel and watch executions through; by default the runtime. A cluster passes its client, made over the runtime. */
  client?: ExecutionClient | ((runtime: Runtime) => ExecutionClient);
  /** Where the runtime the node opens keeps records and events; by default an embedded store in the data dir. A cluster passes its JetStream store. */
  store?: ExecutionStore;
  /** Whether an execution's owner lives (for orphans); by default its pid on this machine. A cluster asks its registry. */
  ownerAlive?: OwnerAlive;
  /** Which orphans this node takes over (a cluster node: those whose placement it fits); default every one. */
  mayAdopt?: (record: ExecutionRecord) => boolean;
  /** The runtime's incarnation id, when the cluster announces it with the node's record. */
  instanceId?: string;
  generator?: WorkflowGenerator;
  logger?: Logger;
  /**
   * Where audit entries go, used as given (its level included); by default a logger of the audit log's own, at info
   * whatever the node's log level, writing to --audit-log FILE or else stderr.
   */
  auditLogger?: Logger;
  /**
   * The registry list_nodes and WatchNodes read, given this node's own state (load, gateways, status) to publish; by
   * default that local state alone. A cluster passes one that announces it and lists the other nodes too.
   */
  nodeRegistry?: (self: LocalNodeRegistry) => NodeRegistry;
  /** Whether what the node depends on beyond itself (the cluster's NATS) is usable, and why not: /ready and gRPC health. */
  readiness?: () => { ready: boolean; reason?: string; insecure?: string };
  /** The cluster messages and records the node refused, by reason (wfx_cluster_rejected_total); none for a single node. */
  clusterRejections?: () => ReadonlyMap<string, number>;
  /** Where the runtime the node opens runs its steps (a cluster's places them by their placement); default: here. */
  stepHost?: StepHostFactory;
  /** Work the node runs for others (a cluster's placed steps) that shutdown lets finish, up to the grace, before the runtime closes. */
  drainHostedWork?: (graceMs: number) => Promise<void>;
  /**
   * Whether shutdown lets async executions finish within the grace as it does sync calls (a cluster node's drain is a
   * rolling restart's); by default they are cancelled at once, so a single node stops quickly.
   */
  waitForAsyncAtShutdown?: boolean;
}

/** One node: the runtime, the shared operations, and the HTTP (+MCP) and gRPC gateways in front of them. */
export class GatewayNode {
  readonly options: Readonly<GatewayOptions>;
  /** The node's own runtime, which it adopts orphans with and closes; the gateways reach executions through `operations.deps.client`. */
  readonly runtime: Runtime;
  readonly operations: Operations;
  readonly metrics: NodeMetrics;
  /** This node's own entry: load, gateways and status are kept up to date here. */
  readonly registry: LocalNodeRegistry;
  /** What list_nodes and WatchNodes answer from. */
  readonly nodes: NodeRegistry;
  readonly logger: Logger;
  readonly audit: AuditLog;
  readonly tokens: TokenStore;
  httpUrl: string | undefined;
  mcpUrl: string | undefined;
  grpcAddress: string | undefined;
  #http: HttpGateway | undefined;
  #mcp: McpHttpEndpoint | undefined;
  #grpc: GrpcGateway | undefined;
  #ownsRuntime: boolean;
  #ready = false;
  #closing: Promise<void> | undefined;
  #orphanScan: NodeJS.Timeout | undefined;
  #healthTimer: NodeJS.Timeout | undefined;
  readonly #deps: GatewayNodeDeps;
  #scanning = false;
  #scanAgain = false;
  #stopDownWatch: (() => void) | undefined;
  #draining = false;

  private constructor(options: Readonly<GatewayOptions>, runtime: Runtime, ownsRuntime: boolean, deps: GatewayNodeDeps, tokens: TokenStore) {
    this.options = options;
    this.runtime = runtime;
    this.#deps = deps;
    this.#ownsRuntime = ownsRuntime;
    this.tokens = tokens;
    this.logger = deps.logger ?? createLogger({ level: options.logLevel });
    // Not the node's logger: WFX_LOG_LEVEL=warn must not silence the record of successful calls.
    this.audit = new AuditLog(deps.auditLogger ?? createLogger({ level: "info", name: "wfx-audit", ...(options.auditLogFile === undefined ? {} : { destination: options.auditLogFile }) }));
    this.metrics = new NodeMetrics();
    const rejections = deps.clusterRejections;
    if (rejections !== undefined) this.metrics.registry.counter("wfx_cluster_rejected_total", "Cluster messages and stored records this node refused because they failed the cluster key's check, by reason (unsigned, unknown_key, bad_mac, stale, replayed, undecryptable)", () => [...rejections()].map(([reason, n]) => [{ reason }, n]));
    this.registry = new LocalNodeRegistry({ id: runtime.options.nodeId, tags: options.tags, capacity: options.supervisesExecutions ? options.maxConcurrentExecutions : 0, version: VERSION, instance: runtime.options.instanceId });
    this.nodes = deps.nodeRegistry?.(this.registry) ?? this.registry;
    const admission = new Admission(options.maxConcurrentExecutions, (running) => this.registry.setLoad(running));
    const dataDir = options.dataDir ?? runtime.options.dataDir ?? resolveDataDir();
    const sandboxDir = options.sandboxDir ?? join(dataDir, "inline");
    mkdirSync(sandboxDir, { recursive: true });
    const workflows = new WorkflowDirectory(options.workflowDirs);
    this.operations = new Operations({
      client: typeof deps.client === "function" ? deps.client(runtime) : (deps.client ?? runtime),
      runtime,
      workflows,
      paths: new ServerPaths([{ path: sandboxDir, name: "<sandbox>" }, { path: dataDir, name: "<data>" }, ...workflows.folders]),
      registry: this.nodes,
      admission,
      watchers: new Watchers(options.maxWatchers),
      metrics: this.metrics,
      audit: this.audit,
      sandboxDir,
      generator: deps.generator,
      idempotencyWindowMs: options.idempotencyWindowMs,
    });
  }

  /** Starts the gateways the options ask for and resolves once they listen. */
  static async start(options: Partial<GatewayOptions> = {}, deps: GatewayNodeDeps = {}): Promise<GatewayNode> {
    const resolved = resolveGatewayOptions(options);
    const entries = loadTokens({ ...(resolved.tokensFile === undefined ? {} : { file: resolved.tokensFile }), ...(resolved.tokensText === undefined ? {} : { envText: resolved.tokensText }) });
    const tokens = new TokenStore(entries, { ...(resolved.maxRunningPerToken === undefined ? {} : { maxRunning: resolved.maxRunningPerToken }), maxWatchers: resolved.maxWatchersPerToken });
    const listens = resolved.http || resolved.grpc;
    if (listens && tokens.open && resolved.host !== undefined && !isLoopback(resolved.host)) {
      throw new GatewayError("WFX_GATEWAY_CONFIG", `refusing to listen on ${resolved.host} without tokens: anyone who can reach it could run workflows`, {
        hint: "configure tokens (--tokens FILE or WFX_TOKENS), or drop --host to listen on 127.0.0.1 only",
      });
    }
    let runtime = deps.runtime;
    // A runtime the node opens itself gets the node as the executor its workflows' mcpworkflow_executor tools call.
    const executor = runtime === undefined ? new NodeExecutor() : undefined;
    if (runtime === undefined) {
      const dataDir = resolved.dataDir ?? resolveDataDir();
      runtime = new Runtime({
        store: deps.store ?? (await EmbeddedExecutionStore.open({ dataDir })),
        dataDir,
        nodeId: resolved.nodeId ?? defaultNodeId(),
        tools: defaultToolRegistry({ workflowExecutor: executor }),
        callerPolicy: resolved.callerPolicy,
        prices: resolved.prices,
        resumePolicy: resolved.resumePolicy,
        workflowFolders: resolved.workflowDirs,
        defaultTimeoutS: resolved.defaultTimeoutS,
        limits: { maxStepsPerExecution: resolved.maxStepsPerExecution },
        ...(deps.stepHost === undefined ? {} : { stepHost: deps.stepHost }),
        ...(deps.ownerAlive === undefined ? {} : { ownerAlive: deps.ownerAlive }),
        ...(deps.instanceId === undefined ? {} : { instanceId: deps.instanceId }),
        ...(deps.mayAdopt === undefined ? {} : { mayAdopt: deps.mayAdopt }),
      });
    }
    const node = new GatewayNode(resolved, runtime, deps.runtime === undefined, deps, tokens);
    executor?.attach(node.operations);
    try {
      await node.#listen();
    } catch (error) {
      await node.close(0);
      throw error;
    }
    if (deps.readiness !== undefined) node.#followReadiness();
    // A store of its own is read at once; a cluster's waits for NATS, which must not hold up serving /ready.
    if (deps.store === undefined) await node.#adoptOrphans();
    else void node.#adoptOrphans();
    if (resolved.orphanScanMs > 0) {
      node.#orphanScan = setInterval(() => void node.#adoptOrphans(), resolved.orphanScanMs).unref();
      // A node seen down (a crash is known in milliseconds) is looked after at once, not at the next scan.
      node.#stopDownWatch = node.nodes.watch(Number.MAX_SAFE_INTEGER, (event) => {
        if (event.type === "node.down") void node.#adoptOrphans();
      });
    }
    return node;
  }

  /** Continues (or fails, per the resume policy) the executions of processes that died sharing this node's store. */
  async #adoptOrphans(): Promise<void> {
    if (this.#closing !== undefined) return;
    // A scan asked for while one runs follows it: the node that went down meanwhile may not have been seen by it.
    if (this.#scanning) {
      this.#scanAgain = true;
      return;
    }
    this.#scanning = true;
    try {
      const adopted = await this.runtime.recoverOrphans();
      if (adopted.length > 0) this.logger.info({ adopted: adopted.length, policy: this.runtime.options.resumePolicy }, "adopted executions whose process died");
    } catch (error) {
      this.logger.error({ err: error }, "looking for executions whose process died failed; will try again");
    } finally {
      this.#scanning = false;
    }
    if (this.#scanAgain) {
      this.#scanAgain = false;
      void this.#adoptOrphans();
    }
  }

  get ready(): boolean {
    return this.readiness.ready;
  }

  /** Ready when listening, not shutting down, and what it depends on (the cluster) is usable; else why not. */
  get readiness(): { ready: boolean; reason?: string; insecure?: string } {
    const cluster = this.#deps.readiness?.() ?? { ready: true };
    // An insecure cluster node says so whatever else it answers.
    const warning = cluster.insecure === undefined ? {} : { insecure: cluster.insecure };
    if (!this.#ready) return { ready: false, reason: this.#closing === undefined ? "starting" : "shutting down", ...warning };
    if (this.#draining) return { ready: false, reason: "draining: finishing what runs, taking nothing new", ...warning };
    return cluster;
  }

  /** gRPC health follows readiness (a lost NATS turns it NOT_SERVING until the connection is back). */
  #followReadiness(): void {
    let serving = true;
    this.#healthTimer = setInterval(() => {
      const ready = this.readiness.ready;
      if (ready === serving || this.#closing !== undefined) return;
      serving = ready;
      this.#grpc?.setServing(ready);
    }, 250).unref();
  }

  async #listen(): Promise<void> {
    const o = this.options;
    await this.operations.deps.workflows.refresh();
    const host = o.host ?? (this.tokens.open ? "127.0.0.1" : "0.0.0.0");
    if (this.tokens.open && (o.http || o.grpc)) {
      this.logger.warn({ host }, "no tokens configured: listening on loopback only, and every local caller has every scope (configure --tokens FILE or WFX_TOKENS to serve the network)");
    }
    const tls = o.tlsCertFile !== undefined && o.tlsKeyFile !== undefined ? { cert: readFileSync(o.tlsCertFile), key: readFileSync(o.tlsKeyFile) } : undefined;
    const endpoints: GatewayEndpoint[] = [];
    if (o.http) {
      this.#mcp = mcpHttpEndpoint(this.operations, { name: "workflow-executor", version: VERSION }, { maxBodyBytes: o.maxBodyBytes, logger: this.logger, maxSessions: o.mcpMaxSessions, maxSessionsPerToken: o.mcpMaxSessionsPerToken });
      const allowedHosts = isLoopback(host) ? [...LOOPBACK_HOSTNAMES, ...o.allowedHosts] : o.allowedHosts.length > 0 ? [...o.allowedHosts] : undefined;
      this.#http = new HttpGateway(
        { operations: this.operations, tokens: this.tokens, metrics: this.metrics, logger: this.logger, mcp: this.#mcp, readiness: () => this.readiness, nodeId: this.registry.self().id },
        { host, port: o.httpPort, mcpPath: o.mcpPath, maxBodyBytes: o.maxBodyBytes, tls, allowedHosts, allowedOrigins: [...o.allowedOrigins] },
      );
      this.httpUrl = await this.#http.listen();
      this.mcpUrl = `${this.httpUrl}${o.mcpPath}`;
      endpoints.push({ kind: "http", address: this.httpUrl }, { kind: "mcp", address: this.mcpUrl });
    }
    if (o.grpc) {
      this.#grpc = new GrpcGateway(
        { operations: this.operations, tokens: this.tokens, registry: this.nodes, metrics: this.metrics, logger: this.logger },
        { host, port: o.grpcPort, maxMessageBytes: o.grpcMaxMessageBytes, tls },
      );
      this.grpcAddress = await this.#grpc.listen();
      endpoints.push({ kind: "grpc", address: this.grpcAddress });
    }
    this.registry.setGateways(endpoints);
    this.#ready = true;
    if (o.http || o.grpc) this.logger.info({ node: this.registry.self().id, http: this.httpUrl, mcp: this.mcpUrl, grpc: this.grpcAddress, tls: tls !== undefined, workflows: this.operations.deps.workflows.names().length }, "gateways listening");
  }

  /** Takes no new executions (status `draining`, readiness off) while what runs finishes: `wfx drain NODE`, and the start of shutdown. */
  drain(): void {
    this.#draining = true;
    this.operations.deps.admission.drain();
    this.registry.setStatus("draining");
  }

  /**
   * Graceful shutdown: stop accepting (readiness and gRPC health turn NOT_SERVING), let sync calls finish for up to
   * `graceMs`, cancel what still runs so every record ends with a final status, then close everything.
   */
  close(graceMs = this.options.shutdownGraceMs): Promise<void> {
    this.#closing ??= this.#close(graceMs);
    return this.#closing;
  }

  async #close(graceMs: number): Promise<void> {
    this.#ready = false;
    clearInterval(this.#orphanScan);
    this.#stopDownWatch?.();
    clearInterval(this.#healthTimer);
    this.operations.deps.admission.drain();
    this.registry.setStatus("draining");
    const stopped = this.#http?.stopAccepting();
    this.#grpc?.stopAccepting();
    const [drained] = await Promise.all([this.operations.executions.drain(graceMs, this.#deps.waitForAsyncAtShutdown === true), this.#deps.drainHostedWork?.(graceMs)]);
    if (drained.finished + drained.cancelled > 0) this.logger.info(drained, "drained executions");
    this.#http?.closeAll();
    await stopped;
    await this.#mcp?.close();
    this.#grpc?.close();
    this.registry.setStatus("down");
    if (this.#ownsRuntime) await this.runtime.close();
    await this.audit.flush();
  }
}
