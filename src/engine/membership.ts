import type { ModelRateLimiter } from "../agents/index.js";
import type { ModelLimit } from "../config/index.js";
import type { ExecutionQueue } from "./queue/execution-queue.js";
import type { KeyPlaces } from "./queue/key-places.js";
import type { ExecutionClient } from "./execution-client.js";
import type { ExecutionLocator } from "./execution-locator.js";
import type { NodeRegistry } from "./node-registry.js";
import type { OwnerAlive } from "./owner-liveness.js";
import type { NodeEngine } from "./node-engine.js";
import type { StepHostFactory } from "./step-host.js";
import type { ExecutionRecord, ExecutionStore } from "./types.js";

/** Whether a node can serve, and why not; an insecure cluster node says so whatever else it answers. */
export interface Readiness {
  ready: boolean;
  reason?: string;
  insecure?: string;
}

/** What a node brings when it joins: its engine, its own registry entry, its admission, where ordered work runs from. */
export interface Member {
  engine: NodeEngine;
  /** This node's own entry (load, gateways, status), announced to the others. */
  self: NodeRegistry;
  /** The node's slots and key shares: an execution another node orders here takes them, or waits in it. */
  queue: ExecutionQueue;
  /** Work other nodes place here: an operator's workflow runs from `operator`, a caller's from its sandbox under `callerRoot`. */
  folders: { operator: string; callerRoot: string; workflowFolders: readonly string[] };
  /** What the node does when asked to drain: stop taking work, finish what runs. */
  drain: () => void;
  /** What it does when asked to take work again; false when it cannot (it is shutting down). */
  undrain: () => boolean;
}

/** What joining gives the node: the registry it lists nodes from, the client its gateways reach executions through, and where those run. */
export interface Joined {
  nodes: NodeRegistry;
  client: ExecutionClient;
  locator: ExecutionLocator;
}

/**
 * A node's membership in a cluster, as the node sees it: the parts its engine is built with (store, step host, owner
 * liveness, which orphans it takes), then one `join` with that engine. A standalone node has none. The cluster
 * implements it; the node never needs to know in what order the cluster wires itself.
 */
export interface Membership {
  /** The id the cluster knows this node by. */
  readonly nodeId: string;
  /** This process's incarnation, announced with the node's record: what it owns dies with it. */
  readonly instanceId: string;
  store(): ExecutionStore;
  stepHost(): StepHostFactory;
  ownerAlive(): OwnerAlive;
  /** Model endpoints' limits, shared by every node of the cluster (`limits`: the operator's, the same on every node). */
  modelRateLimiter(limits: readonly ModelLimit[]): ModelRateLimiter;
  /** Concurrency keys and tokens' max_running held cluster-wide, for the node's queue (absent: counted per node). */
  keyPlaces?(): KeyPlaces;
  /** Which orphans this node takes over. */
  mayAdopt(): (record: ExecutionRecord) => boolean;
  join(member: Member): Joined;
  /** Shows the node to the cluster once it serves; rejects when its id is taken by another live process. */
  announce(): Promise<void>;
  readonly readiness: Readiness;
  /** Running and waiting steps per limited tag, cluster-wide as this node last saw them (wfx_tag_limit_steps). */
  tagLimitCounts?(): ReadonlyMap<string, { running: number; waiting: number; limit: number }>;
  /** The cluster messages and records the node refused, by reason (wfx_cluster_rejected_total). */
  rejectedCounts(): ReadonlyMap<string, number>;
  /** Shutdown's share: the work this node runs for others gets up to `graceMs` to finish. */
  drainHostedWork(graceMs: number): Promise<void>;
  leave(): Promise<void>;
}
