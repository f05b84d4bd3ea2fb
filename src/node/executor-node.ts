import { tmpdir } from "node:os";
import { join } from "node:path";
import { Admission, ExecutionQueue, LocalNodeRegistry, requeueInto, resolveDataDir, type ExecutionClient, type Membership, type NodeRegistry, type Readiness, type Runtime } from "../engine/internal.js";
import { Gateways, gatewayTokens, NodeExecutor, resolveGatewayOptions, VERSION, type GatewayOptions, type Operations, type TokenStore } from "../gateway/index.js";
import { AuditLog, createLogger, NodeMetrics, type Logger, type NodeTracing } from "../observability/index.js";
import type { NodeDeps } from "./node-deps.js";
import { openEngine } from "./open-engine.js";
import { OrphanScan } from "./orphan-scan.js";
import { ProbeServer } from "./probe-server.js";
import { given } from "../present.js";

/** What the node has built once its engine is open, each in the order it starts. */
interface NodeParts {
  engine: Runtime;
  ownsEngine: boolean;
  executor: NodeExecutor | undefined;
  tokens: TokenStore;
}

/**
 * One node, its composition root: it builds and starts, in order, the store and engine, admission, membership (its
 * cluster's, or none), the gateways, and the adoption of orphans; drain is asked of it; it stops them in reverse.
 */
export class ExecutorNode {
  readonly options: Readonly<GatewayOptions>;
  /** The node's engine, which adopts orphans and is closed with the node when the node opened it. */
  readonly runtime: Runtime;
  readonly admission: Admission;
  /** What waits for a slot; a node on its own store queues, a cluster member refuses (until the cluster queues). */
  readonly queue: ExecutionQueue;
  /** This node's own entry: load, gateways and status are kept up to date here. */
  readonly registry: LocalNodeRegistry;
  /** What list_nodes and WatchNodes answer from. */
  readonly nodes: NodeRegistry;
  /** What the gateways reach executions through: the engine itself, or the cluster's client over it. */
  readonly client: ExecutionClient;
  readonly gateways: Gateways;
  readonly metrics: NodeMetrics;
  readonly logger: Logger;
  readonly audit: AuditLog;
  readonly tokens: TokenStore;
  readonly #membership: Membership | undefined;
  readonly #ownsEngine: boolean;
  readonly #orphans: OrphanScan;
  readonly #tracing: NodeTracing | undefined;
  /** /health and /ready alone, for the kubelet of a node without gateways (--probe-port); undefined: none. */
  readonly #probe: ProbeServer | undefined;
  #ready = false;
  #draining = false;
  #closing: Promise<void> | undefined;
  #healthTimer: NodeJS.Timeout | undefined;

  private constructor(options: Readonly<GatewayOptions>, parts: NodeParts, deps: NodeDeps) {
    this.options = options;
    this.runtime = parts.engine;
    this.#ownsEngine = parts.ownsEngine;
    this.#membership = deps.membership;
    this.tokens = parts.tokens;
    this.logger = deps.logger ?? createLogger({ level: options.logLevel });
    // Not the node's logger: WFX_LOG_LEVEL=warn must not silence the record of successful calls.
    this.audit = new AuditLog(deps.auditLogger ?? createLogger({ level: "info", name: "wfx-audit", ...given({ destination: options.auditLogFile }) }));
    this.metrics = new NodeMetrics();
    const engine = parts.engine;
    const waited = () => [...engine.options.modelRateLimiter.waitedSeconds()].map(([endpoint, seconds]) => [{ endpoint }, seconds] as [Record<string, string>, number]);
    this.metrics.registry.counter("wfx_model_rate_limit_wait_seconds", "Seconds model calls on this node waited for their share of a model limit or a provider's pause, by endpoint as configured (other: an endpoint no limit names)", waited);
    this.registry = new LocalNodeRegistry({ id: engine.options.nodeId, tags: options.tags, capacity: options.supervisesExecutions ? options.maxConcurrentExecutions : 0, version: VERSION, instance: engine.options.instanceId });
    this.admission = new Admission(options.maxConcurrentExecutions, (running) => this.registry.setLoad(running));
    // Keys are held cluster-wide by a member that runs executions; a standalone node counts them itself.
    this.queue = new ExecutionQueue(this.admission, { maxQueued: options.maxQueued, keyPlaces: options.supervisesExecutions ? deps.membership?.keyPlaces?.() : undefined });
    this.metrics.watchQueue(() => this.queue.stats());
    const joined = this.#join(engine);
    this.nodes = joined?.nodes ?? deps.nodeRegistry?.(this.registry) ?? this.registry;
    this.client = joined?.client ?? deps.client ?? engine;
    this.gateways = new Gateways(options, { client: this.client, locator: joined?.locator ?? engine.locator, engine, admission: this.admission, queue: this.queue, queueing: deps.membership === undefined, self: this.registry, nodes: this.nodes, tokens: this.tokens, metrics: this.metrics, audit: this.audit, logger: this.logger, dataDir: options.dataDir ?? engine.options.dataDir ?? resolveDataDir(), generator: deps.generator, readiness: () => this.readiness });
    parts.executor?.attach(this.gateways.operations);
    // A cluster's store is read once NATS is reached: its queued executions are taken up by the scan, by nodes that run executions.
    this.#orphans = new OrphanScan(engine, this.logger, { requeue: this.#membership !== undefined && options.supervisesExecutions ? () => this.#recoverQueued() : undefined, resumed: (id, ticket) => this.queue.resumed(id, ticket) });
    this.#tracing = deps.tracing;
    this.#probe = options.probePort === undefined ? undefined : new ProbeServer({ host: options.probeHost, port: options.probePort, nodeId: this.registry.self().id, readiness: () => this.readiness });
  }

  /** Membership: the cluster takes part with this node's engine, its entry and its admission, in one call. */
  #join(engine: Runtime) {
    const membership = this.#membership;
    if (membership === undefined) return undefined;
    const rejected = () => [...membership.rejectedCounts()].map(([reason, n]) => [{ reason }, n] as [Record<string, string>, number]);
    const tagSteps = () => [...(membership.tagLimitCounts?.() ?? [])].flatMap(([tag, c]) => [[{ tag, state: "running" }, c.running], [{ tag, state: "waiting" }, c.waiting]] as Array<[Record<string, string>, number]>);
    this.metrics.registry.gauge("wfx_tag_limit_steps", "Placed steps asking for a tag under a cluster limit (limits:), running and waiting, cluster-wide as this node last saw them (every node shows the same: do not sum)", tagSteps);
    this.metrics.registry.counter("wfx_cluster_rejected_total", "Cluster messages and stored records this node refused because they failed the cluster key's check, by reason (unsigned, unknown_key, bad_mac, stale, replayed, undecryptable)", rejected);
    // Work other nodes place here runs from this node's first workflow folder (an operator's) or a sandbox (a caller's).
    const folders = { operator: this.options.workflowDirs[0] ?? process.cwd(), callerRoot: join(engine.options.dataDir ?? tmpdir(), "inline"), workflowFolders: this.options.workflowDirs };
    return membership.join({ engine, self: this.registry, queue: this.queue, folders, drain: () => this.drain(), undrain: () => this.undrain() });
  }

  /** Builds the node and starts it: resolves once its gateways listen (and, over a store of its own, orphans are adopted). */
  static async start(options: Partial<GatewayOptions> = {}, deps: NodeDeps = {}): Promise<ExecutorNode> {
    const resolved = resolveGatewayOptions(options);
    // Refused before anything opens: a node that would listen beyond loopback without tokens.
    const tokens = gatewayTokens(resolved);
    const executor = deps.runtime === undefined ? new NodeExecutor() : undefined;
    const engine = deps.runtime ?? (await openEngine(resolved, deps.membership, executor!));
    const node = new ExecutorNode(resolved, { engine, ownsEngine: deps.runtime === undefined, executor, tokens }, deps);
    // On its own store nothing starts before the first scan: what resumes holds its keys before what waited behind them
    // starts. A cluster member's first scan waits for NATS and its peers; the shared places keep that order there.
    const startsHeld = node.#membership === undefined ? node.queue.holdStarts() : () => undefined;
    try {
      // Before anyone can queue more: what waited before a restart keeps its place ahead of newcomers.
      if (node.#membership === undefined) await node.#recoverQueued();
      await node.gateways.listen();
      await node.#probe?.listen();
      // Only a node that listens is announced: one that cannot bind its ports never shows up under its id.
      await node.#membership?.announce();
      node.#ready = true;
    } catch (error) {
      await node.close(0);
      throw error;
    }
    if (node.#membership !== undefined) node.#followReadiness();
    // Adopted only once listening: a node that cannot listen must not take (and then cancel) another process's orphans.
    // A store of its own is read at once; a cluster's waits for NATS, which must not hold up serving /ready.
    const scanned = node.#orphans.start(resolved.orphanScanMs, node.nodes).finally(startsHeld);
    if (node.#membership === undefined) await scanned;
    return node;
  }

  /** Puts executions queued before this node's restart back in line, oldest first (none is refused: they were accepted). */
  async #recoverQueued(): Promise<void> {
    // All back in line before any starts: one taken up late must not find those behind it started in its place.
    const startsHeld = this.queue.holdStarts();
    try {
      const recovered = await this.runtime.recoverQueued(requeueInto(this.queue));
      if (recovered.length > 0) this.logger.info({ queued: recovered.length }, "queued executions taken up again after a restart");
    } finally {
      startsHeld();
    }
  }

  get operations(): Operations {
    return this.gateways.operations;
  }

  get httpUrl(): string | undefined {
    return this.gateways.httpUrl;
  }

  get mcpUrl(): string | undefined {
    return this.gateways.mcpUrl;
  }

  get grpcAddress(): string | undefined {
    return this.gateways.grpcAddress;
  }

  get probeUrl(): string | undefined {
    return this.#probe?.url;
  }

  get ready(): boolean {
    return this.readiness.ready;
  }

  /** Ready when listening, not shutting down, and what it depends on (the cluster) is usable; else why not. */
  get readiness(): Readiness {
    const cluster = this.#membership?.readiness ?? { ready: true };
    // An insecure cluster node says so whatever else it answers.
    const warning = cluster.insecure === undefined ? {} : { insecure: cluster.insecure };
    if (!this.#ready) return { ready: false, reason: this.#closing === undefined ? "starting" : "shutting down", ...warning };
    if (this.#draining) return { ready: false, reason: "draining: finishing what runs, taking nothing new", ...warning };
    const store = this.runtime.store.health?.() ?? { ready: true };
    return cluster.ready && !store.ready ? { ready: false, reason: store.reason ?? "the store's writes fail", ...warning } : cluster;
  }

  /** gRPC health follows readiness. */
  #followReadiness(): void {
    let serving = true;
    this.#healthTimer = setInterval(() => {
      const ready = this.readiness.ready;
      if (ready === serving || this.#closing !== undefined) return;
      serving = ready;
      this.gateways.setServing(ready);
    }, 250).unref();
  }

  /** Takes no new executions (status `draining`, readiness off) while what runs finishes: `wfx drain NODE`, and the start of shutdown. */
  drain(): void {
    this.#draining = true;
    this.admission.drain();
    this.registry.setStatus("draining");
  }

  /** Takes new executions again after `wfx drain` (`wfx undrain NODE`); false, and nothing changes, once shutting down. */
  undrain(): boolean {
    if (this.#closing !== undefined) return false;
    this.#draining = false;
    this.admission.undrain();
    this.registry.setStatus("up");
    return true;
  }

  /**
   * Graceful shutdown, the start in reverse: take nothing new (readiness 503 and gRPC health NOT_SERVING), let sync calls
   * (a member's async ones too) and the work run for other nodes finish for up to `graceMs`, cancel what still runs so
   * every record ends with a final status, close the gateways, the engine and its store, then leave the cluster.
   */
  close(graceMs = this.options.shutdownGraceMs): Promise<void> {
    this.#closing ??= this.#close(graceMs);
    return this.#closing;
  }

  async #close(graceMs: number): Promise<void> {
    this.#ready = false;
    this.#orphans.stop();
    clearInterval(this.#healthTimer);
    this.admission.drain();
    this.registry.setStatus("draining");
    // Still listening while it drains: /ready answers 503 "shutting down" (a probe sees why, not a refused connection),
    // gRPC health says NOT_SERVING, and new work is refused by admission.
    this.gateways.setServing(false);
    // A member's drain is a rolling restart's, and nobody waits on its async calls: they get the grace too.
    const member = this.#membership !== undefined;
    const [drained] = await Promise.all([this.gateways.drainExecutions(graceMs, member), this.#membership?.drainHostedWork(graceMs)]);
    if (drained.finished + drained.cancelled > 0) this.logger.info(drained, "drained executions");
    await this.gateways.close(this.gateways.stopAccepting());
    this.registry.setStatus("down");
    if (this.#ownsEngine) await this.runtime.close();
    // Last: a member's store writes over the cluster's connection until the engine has closed it.
    await this.#membership?.leave();
    // Closed last: until the process ends, a probe reads /ready 503 "shutting down", not a refused connection.
    await this.#probe?.close();
    await this.audit.flush();
    await this.#tracing?.shutdown().catch((error: unknown) => this.logger.warn({ err: error }, "exporting the last spans failed"));
  }
}
