import { HostedOutcomes } from "./hosted-outcomes.js";
import { DurableOutcomes } from "./durable-outcomes.js";
import { QueueBalancer } from "./queue-balancer.js";
import { probeOrKept, serveStepProbes } from "./step-probe.js";
import { randomUUID } from "node:crypto";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { place } from "./placement.js";
import { executionPlacementOf } from "./asked-placement.js";
import { QueueOffers } from "./queue-offers.js";
import { placementNodeOf } from "./placement-node.js";
import { callerSandbox, type OrderFolders } from "./execution-order.js";
import { requeueInto, type ExecutionQueue, type KeyPlaces, type ExecutionRecord, type ExecutionStore, type Joined, type Member, type Membership, type NodeRegistry, type OwnerAlive, type NodeEngine, type StepHostFactory, type StepOrder } from "../engine/internal.js";
import { ClusterExecutionClient } from "./cluster-execution-client.js";
import { clusterOwnerAlive } from "./cluster-liveness.js";
import { ExecutionOrderServer } from "./execution-order-server.js";
import { JetStreamExecutionStore } from "./jetstream-store.js";
import { ActorLinks } from "./actor-links.js";
import { ClusterStepHost } from "./cluster-step-host.js";
import { STEP_KIND } from "./placed-step.js";
import type { Logger } from "../observability/index.js";
import { resolveClusterOptions, type ClusterOptions } from "./cluster-options.js";
import { NatsClusterConnection, type ClusterReadiness } from "./nats-connection.js";
import { ClusterNodeRegistry } from "./node-registry.js";
import { ServiceAnnouncement } from "./service-discovery.js";
import { drainSubject, undrainSubject } from "./subjects.js";
import { StepSlots } from "./step-slots.js";
import { hostedStep } from "./hosted-step.js";
import { encodeJson } from "./codec.js";
import { sealFor, type Seal } from "./trust/cluster-seal.js";
import { ClusterWire } from "./trust/cluster-wire.js";
import { ClusterRejections } from "./trust/rejections.js";
import { SealedStoreValues } from "./trust/sealed-store-values.js";
import type { ModelRateLimiter } from "../agents/index.js";
import type { ModelLimit } from "../config/index.js";
import { ClusterLimits } from "./cluster-limits.js";
import { given } from "../present.js";

/** NATS's own default max_payload (1 MiB), until the server says its own; and room kept for the message envelope. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
const ENVELOPE_ROOM = 64 * 1024;

/**
 * A node's membership in the cluster: the NATS connection (retried until reached), the live registry of every
 * node, and its service-discovery answers. Builds and wires the parts; each lives in its own file.
 */
export class Cluster implements Membership {
  readonly options: Readonly<ClusterOptions>;
  readonly connection: NatsClusterConnection;
  /** This process's incarnation, announced with its record: what it owns dies with it, even under the same node id. */
  readonly instanceId = randomUUID();
  /** The placed steps this node runs: their slots and the resources they reserve, shown in the node's record. */
  readonly slots: StepSlots;
  /** Seals what this node sends and opens what it receives, under the cluster key (or nothing, when insecure). */
  readonly seal: Seal;
  /** What failed the cluster key's check, by reason: `wfx_cluster_rejected_total`. */
  readonly rejections: ClusterRejections;
  /** Seals what this node keeps in JetStream beside the store (places, outcomes, offers) and checks what it reads back. */
  readonly #values: SealedStoreValues;
  readonly #logger: Logger;
  #wire: ClusterWire | undefined;
  readonly #abort = new AbortController();
  #registry: ClusterNodeRegistry | undefined;
  #announcement: ServiceAnnouncement | undefined;
  #links: ActorLinks | undefined;
  #onDrain: (() => void) | undefined;
  #joined: Promise<void> | undefined;
  #connecting: Promise<NatsConnection> | undefined;
  #self: NodeRegistry | undefined;
  #onUndrain: (() => boolean) | undefined;
  /** Why this node was not announced (its id taken), once known. */
  #refused: string | undefined;
  #orders: ExecutionOrderServer | undefined;
  /** How placed steps run here ended: in memory, and in JetStream for a supervisor that asks after this process is gone. */
  #durableOutcomes: DurableOutcomes | undefined;
  readonly #outcomes = new HostedOutcomes(() => this.#kept());
  #probes: Subscription | undefined;
  #balancer: QueueBalancer | undefined;
  readonly #limits: ClusterLimits;

  constructor(options: Partial<ClusterOptions> & Pick<ClusterOptions, "servers" | "trust">, logger: Logger) {
    this.options = resolveClusterOptions(options);
    this.#logger = logger;
    this.connection = new NatsClusterConnection(this.options, logger);
    this.seal = sealFor(this.options.trust);
    this.rejections = new ClusterRejections(logger);
    this.#values = new SealedStoreValues(this.seal, this.rejections);
    this.slots = new StepSlots(this.options.stepCapacity, this.options.resources, () => this.#registry?.changed());
    this.#limits = new ClusterLimits({ connect: () => this.#connect().then((nc) => ({ nc, wire: this.#wire! })), values: this.#values, replicas: this.options.storeReplicas, peers: () => this.#registry?.snapshot().filter((n) => n.status !== "down").length ?? 1, logger });
  }

  get nodeId(): string {
    return this.options.nodeId;
  }

  /**
   * Takes part with a node's engine, all at once: announces the node's entry and lists every node, runs the step and
   * execution orders other nodes send it, drains when asked to, and answers for executions anywhere in the cluster.
   */
  join(member: Member): Joined {
    this.#drainWith(member.drain);
    this.#onUndrain = member.undrain;
    const nodes = this.registryFor(member.self);
    this.#attach(member.engine, member.folders, member.queue);
    const client = this.clientFor(member.engine, member.queue);
    return { nodes, client, locator: client.locator };
  }

  readonly rejectedCounts = (): ReadonlyMap<string, number> => this.rejections.counts();

  readonly leave = (): Promise<void> => this.close();

  /**
   * The registry a node serves list_nodes and WatchNodes from, announcing `self` (kept up to date by the node):
   * it lists this node alone until NATS is reached, then every node. Connecting goes on in the background.
   */
  registryFor(self: NodeRegistry | undefined): NodeRegistry {
    const registry = new ClusterNodeRegistry(self, { heartbeatMs: this.options.heartbeatMs, missedBeatsDown: this.options.missedBeatsDown, beats: this.options.beats, refreshMs: this.options.registryRefreshMs, watchers: this.options.livenessWatchers, connectedSinceMs: () => this.connection.connectedSinceMs, selfExtra: () => (this.seal.secure ? this.slots.view() : { ...this.slots.view(), insecure: true }) });
    this.#registry = registry;
    this.#self = self;
    this.#joined = this.#connect().then(
      () => registry.attach(this.#wire!),
      (error: unknown) => {
        if (!this.#abort.signal.aborted) this.#logger.error({ err: error }, "cannot join the cluster");
      },
    );
    return registry;
  }

  /**
   * Announces this node under its id once it serves (a node that cannot bind its ports never shows up): its beats,
   * discovery and drain. Rejects with WFX_NODE_ID_TAKEN while another live process has the id. Resolves after
   * `waitMs` when NATS has not been reached yet; the node is announced when it is (a refusal then is logged and shown
   * by /ready).
   */
  announce(waitMs = 3000): Promise<void> {
    const registry = this.#registry;
    const self = this.#self;
    if (registry === undefined || self === undefined) return Promise.resolve();
    const announced = (this.#joined ?? Promise.resolve()).then(async () => {
      const wire = this.#wire;
      if (wire === undefined || this.#abort.signal.aborted) return;
      await registry.announce();
      this.#announcement = new ServiceAnnouncement(wire.nc, () => registry.self());
      wire.subscribe(drainSubject(self.self().id), (msg) => {
        this.#onDrain?.();
        msg.respond(encodeJson(self.self()));
      });
      wire.subscribe(undrainSubject(self.self().id), (msg) => {
        if (this.#onUndrain?.() === true) this.slots.undrain();
        msg.respond(encodeJson(self.self()));
      });
    });
    announced.catch((error: unknown) => {
      this.#refused = (error as Error).message;
      if (!this.#abort.signal.aborted) this.#logger.error({ err: error }, "this node was not announced to the cluster");
    });
    return Promise.race([announced, new Promise<void>((resolve) => setTimeout(resolve, waitMs).unref())]);
  }

  /** Connects once (retrying until NATS answers); every part waits on the same connection. */
  #connect(): Promise<NatsConnection> {
    this.#connecting ??= this.connection.open(this.#abort.signal).then((nc) => {
      this.#wire = new ClusterWire(nc, this.seal, this.rejections);
      if (!this.seal.secure) this.#logger.warn({ node: this.options.nodeId }, "joined the cluster with --insecure-cluster: no cluster key, so any NATS client can command this node and read what it sends");
      return nc;
    });
    return this.#connecting;
  }

  /** The wire to the other nodes once NATS is reached (for CLI commands that speak to nodes). */
  get wire(): ClusterWire | undefined {
    return this.#wire;
  }

  #kept(): DurableOutcomes {
    return (this.#durableOutcomes ??= new DurableOutcomes(this.#connect().then(() => this.#wire!), this.#values, this.options.storeReplicas, this.#logger));
  }

  /** The cluster store the node's runtime keeps records and events in: JetStream, shared by every node. */
  store(): ExecutionStore {
    const connected = this.#connect();
    connected.catch(() => undefined);
    return new JetStreamExecutionStore(connected, { replicas: this.options.storeReplicas, retentionMs: this.options.storeRetentionMs, seal: this.seal, rejections: this.rejections }, this.#logger);
  }

  /** Model calls of every node share each limit through JetStream KV; while it is away each node takes 1/n of it. */
  readonly modelRateLimiter = (limits: readonly ModelLimit[]): ModelRateLimiter => this.#limits.modelRateLimiter(limits);

  /** Running and waiting steps per limited tag, as this node last saw the cluster's shared places. */
  readonly tagLimitCounts = (): ReadonlyMap<string, { running: number; waiting: number; limit: number }> => this.#limits.tagCounts();
  /** Concurrency keys and max_running held cluster-wide: places leased like tags' (same lease). */
  readonly keyPlaces = (): KeyPlaces => this.#limits.keyPlaces({ node: this.options.nodeId, instance: this.instanceId, leaseMs: this.options.tagLeaseMs });
  /** Whether an execution's owner lives: this process by its incarnation, another node by the registry. */
  ownerAlive(): OwnerAlive {
    return clusterOwnerAlive({ selfId: this.options.nodeId, instance: this.instanceId, nodeOf: (id) => this.#registry?.node(id), settledAtMs: () => this.#registry?.settledAtMs() });
  }

  /**
   * Which orphans this node takes over: only while it is up and supervises executions, and only those its workflow's
   * placement and its request's targets fit (a target naming the dead node itself is dropped: that node is gone).
   */
  mayAdopt(): (record: ExecutionRecord) => boolean {
    return (record) => this.#fitsHere(record, true);
  }

  /** `ownerGone`: a target naming the owner's node is dropped (it is dead); a live owner's targeted work stays there. This node's own earlier work is taken up before the registry has it up again. */
  #fitsHere(record: ExecutionRecord, ownerGone: boolean): boolean {
    const self = record.node === this.options.nodeId && ownerGone ? this.#self?.self() : this.#registry?.node(this.options.nodeId);
    if (self === undefined || self.capacity === 0 || self.status !== "up") return false;
    const asked = executionPlacementOf(record);
    if (asked === undefined) return true;
    if (ownerGone && asked.target_instance === record.node) delete asked.target_instance;
    return "node" in place(asked, [placementNodeOf(self)]);
  }

  /** What the node's gateways use: executions placed across the cluster, and answered for any node. */
  clientFor(runtime: NodeEngine, queue?: ExecutionQueue): ClusterExecutionClient {
    return new ClusterExecutionClient(runtime, { ...given({ queue }), selfId: this.options.nodeId, wire: () => this.#wire, nodes: () => this.#registry?.snapshot() ?? [], placementTimeoutMs: this.options.placementTimeoutMs, maxPayloadBytes: () => this.maxStepPayloadBytes(), logger: this.#logger });
  }

  /** The step host a runtime of this node uses: steps with a placement run where placement puts them. */
  stepHost(): StepHostFactory {
    const probe = probeOrKept(() => this.#wire, () => this.#kept());
    const tagLimits = this.#limits.tagLimits(this.options.tagLimits, { node: this.options.nodeId, instance: this.instanceId, leaseMs: this.options.tagLeaseMs });
    return (local) => new ClusterStepHost(local, { ...given({ tagLimits }), selfId: this.options.nodeId, nodes: () => this.#registry?.snapshot() ?? [], slots: this.slots, placementTimeoutMs: this.options.placementTimeoutMs, maxPayloadBytes: () => this.maxStepPayloadBytes(), probe, reconnects: () => this.connection.reconnects, heardSinceConnected: (id) => this.#registry?.heardSinceConnected(id) === true });
  }

  /** What a step's order or output, or an execution order, may take as JSON: the server's max_payload less room for the envelope, or lower by option. */
  maxStepPayloadBytes(): number {
    const server = (this.connection.connection?.info?.max_payload ?? DEFAULT_MAX_PAYLOAD) - ENVELOPE_ROOM;
    return Math.min(server, this.options.maxStepPayloadBytes ?? server);
  }

  /**
   * Lets the node's runtime take part: it runs step orders other nodes send it (an operator's workflow from `baseDir`,
   * a caller's from the caller's own sandbox folder here), and its actor system is linked to every node's once NATS is reached.
   */
  #attach(runtime: NodeEngine, dirs: OrderFolders, queue: ExecutionQueue): void {
    runtime.system.registerKind(STEP_KIND, (spec: { order: StepOrder }) => hostedStep(spec.order, this.slots, this.#outcomes, (onEnd) => runtime.stepFromOrder(spec.order, spec.order.workflow.origin === "caller" ? callerSandbox(dirs.callerRoot, spec.order.workflow.sandbox) : dirs.operator, { maxOutputBytes: this.maxStepPayloadBytes(), onEnd })));
    void this.joined().then(() => {
      const wire = this.#wire;
      if (wire === undefined || this.#registry === undefined || this.#abort.signal.aborted) return;
      this.#links = new ActorLinks(runtime.system, wire, this.#registry);
      // Executions other nodes place here run on this runtime itself, never placed on again.
      const claimStart = async (executionId: string) => {
        const holder = await runtime.store.claim(`start/${executionId}`, { node: this.options.nodeId, at: Date.now() });
        return holder === undefined ? undefined : String(holder["node"]);
      };
      this.#orders = new ExecutionOrderServer(wire, { selfId: this.options.nodeId, client: runtime, folders: dirs, queue, claimStart, logger: this.#logger });
      this.#probes = serveStepProbes(wire, this.options.nodeId, this.#outcomes);
      this.#balancer = new QueueBalancer({ wire, selfId: this.options.nodeId, engine: runtime, queue, requeue: requeueInto(queue), offers: new QueueOffers(wire.nc, this.#values, this.options.storeReplicas), nodes: () => this.#registry?.snapshot() ?? [], fitsHere: (record) => this.#fitsHere(record, false), logger: this.#logger });
      queue.onRoom(() => this.#balancer?.look());
    });
  }

  /** What the node does when asked to drain (over NATS, by `wfx drain`): stop taking work, finish what runs. */
  #drainWith(drain: () => void): void {
    this.#onDrain = () => {
      this.slots.drain();
      drain();
    };
  }

  /**
   * Shutdown's share of the cluster: no new placed step is taken here, and the placed steps and placed executions it
   * runs for other nodes get up to `graceMs` to finish before the runtime closes; a step still running then is lost to
   * its supervisor, which retries it elsewhere by its retry policy, and an execution is cancelled with the node's own.
   */
  async drainHostedWork(graceMs: number): Promise<void> {
    this.slots.drain();
    const [steps, executions] = await Promise.all([this.slots.idle(graceMs), this.#orders?.idle(graceMs) ?? { running: 0 }]);
    if (steps.running + executions.running > 0) this.#logger.warn({ steps: steps.running, executions: executions.running, graceMs }, "placed work still running after the shutdown grace");
  }

  /** Resolves once the node has joined (or given up); for tests and `wfx nodes`. */
  joined(): Promise<void> {
    return this.#joined ?? Promise.resolve();
  }

  /** Whether the cluster is usable; an insecure node says so in its readiness detail too. */
  get readiness(): ClusterReadiness {
    const readiness: ClusterReadiness = this.#refused === undefined ? this.connection.readiness : { ready: false, reason: this.#refused };
    return this.seal.secure ? readiness : { ...readiness, insecure: "--insecure-cluster: no cluster key; any NATS client can command this node" };
  }

  /** Leaves: announces `down`, stops answering discovery, drains the connection. */
  async close(): Promise<void> {
    this.#wire?.turnEnd.now();
    this.#abort.abort();
    this.#links?.close();
    this.#orders?.close();
    this.#probes?.unsubscribe();
    this.#balancer?.close();
    this.#announcement?.stop();
    await this.#registry?.close();
    await this.#durableOutcomes?.close(2000);
    await this.#limits.close();
    await this.connection.close();
  }
}
