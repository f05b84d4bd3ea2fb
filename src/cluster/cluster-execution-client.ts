import { randomUUID } from "node:crypto";
import { adjustWorkflowFile, type Placement } from "../config/index.js";
import { compilePlan, defaultWorkflowName, resolveExecutionBudget, TERMINAL_STATUSES, type CancelResult, type ExecuteRequest, type ExecutionClient, type ExecutionEvent, type ExecutionRecord, type ListExecutionsQuery, type NodeInfo, type Runtime, type StartedExecution, type WatchListener } from "../engine/index.js";
import type { Logger } from "../observability/index.js";
import { orderOf } from "./execution-order.js";
import { cancelOn, PlacedExecution } from "./placed-execution.js";
import { placementNodeOf } from "./placed-step.js";
import { asksForSomewhere, place, placementFor, type PlacementRequest } from "./placement.js";
import type { ClusterWire } from "./trust/cluster-wire.js";

export interface ClusterClientDeps {
  selfId: string;
  /** The node's wire to the others once NATS is reached; undefined before (everything then runs here). */
  wire: () => ClusterWire | undefined;
  nodes: () => NodeInfo[];
  placementTimeoutMs: number;
  /** What an execution order may take as JSON to cross to another node. */
  maxPayloadBytes: () => number;
  logger: Logger;
}

/**
 * The cluster's ExecutionClient, over this node's runtime: an execution runs here unless its workflow's `placement:`
 * or the request's targets ask for elsewhere, or this node supervises none (a gateway-only node); then it is placed on
 * a node that fits and started there. Status, watch, list and events read the cluster store, so they answer for every
 * node's executions; cancel reaches the node that runs one.
 */
export class ClusterExecutionClient implements ExecutionClient {
  readonly #runtime: Runtime;
  readonly #deps: ClusterClientDeps;
  /** Executions placed from here that have not ended: pending ones exist only here until a node takes them. */
  readonly #placed = new Map<string, PlacedExecution>();

  constructor(runtime: Runtime, deps: ClusterClientDeps) {
    this.#runtime = runtime;
    this.#deps = deps;
  }

  start(request: ExecuteRequest): StartedExecution {
    const wire = this.#deps.wire();
    if (wire === undefined) return this.#runtime.start(request);
    const workflowName = request.workflowName ?? defaultWorkflowName(request.source.file);
    const environment = request.environment ?? this.#runtime.options.env["WFX_ENV"];
    const file = adjustWorkflowFile(request.source.file, { environment, configOverride: request.configOverride }, request.source.path);
    const own: Placement | undefined = Object.hasOwn(file.workflows, workflowName) ? file.workflows[workflowName]!.placement : undefined;
    // A budget the receiving node would refuse is refused here, before anything is placed.
    if (request.budget !== undefined) resolveExecutionBudget({ workflowName, workflow: file.workflows[workflowName]?.budget, request: request.budget, cap: this.#runtime.options.callerPolicy.max_budget, fromCaller: request.source.origin === "caller" });
    const placement: PlacementRequest = { ...placementFor(own, request.placement), kind: "execution" };
    const nodes = this.#deps.nodes();
    const self = nodes.find((n) => n.id === this.#deps.selfId);
    if (!asksForSomewhere(placement) && self !== undefined && self.capacity > 0) return this.#runtime.start(request);
    const chosen = place(placement, nodes.map(placementNodeOf), Math.random);
    if ("node" in chosen && chosen.node.id === this.#deps.selfId) return this.#runtime.start(request);
    const executionId = request.executionId ?? randomUUID();
    const plan = compilePlan(file, workflowName, request.source.path);
    const order = orderOf(request, { executionId, workflowName, environment, placedBy: this.#deps.selfId });
    const placed = new PlacedExecution({ wire, selfId: this.#deps.selfId, nodes: this.#deps.nodes, store: this.#runtime.options.store, placementTimeoutMs: this.#deps.placementTimeoutMs, maxPayloadBytes: this.#deps.maxPayloadBytes, logger: this.#deps.logger }, request, order, placement, plan.steps.map((s) => s.id));
    this.#placed.set(executionId, placed);
    void placed.done.finally(() => this.#placed.delete(executionId));
    if (request.signal !== undefined) {
      const onAbort = () => void this.cancel(executionId, "the caller went away").catch(() => undefined);
      request.signal.addEventListener("abort", onAbort, { once: true });
      void placed.done.finally(() => request.signal!.removeEventListener("abort", onAbort));
    }
    return { executionId, record: placed.record, done: placed.done, elsewhere: true };
  }

  async status(executionId: string): Promise<ExecutionRecord | undefined> {
    const placed = this.#placed.get(executionId);
    // Placed from here and not yet started anywhere: the store may not have it yet.
    if (placed !== undefined && placed.node === undefined) return structuredClone(placed.record);
    return this.#runtime.status(executionId);
  }

  async cancel(executionId: string, reason = "cancelled by request"): Promise<CancelResult> {
    const placed = this.#placed.get(executionId);
    if (placed !== undefined) return placed.cancel(reason);
    const wire = this.#deps.wire();
    if (wire === undefined || this.#runtime.recorder.isLive(executionId)) return this.#runtime.cancel(executionId, reason);
    const stored = await this.#runtime.options.store.getRecord(executionId);
    if (stored === undefined || TERMINAL_STATUSES.has(stored.status) || stored.node === this.#deps.selfId) return this.#runtime.cancel(executionId, reason);
    // Another node's: ask it while it lives; a dead owner's orphan is claimed and ended here.
    if (this.#runtime.options.ownerAlive(stored)) return cancelOn(wire, stored.node, executionId, reason);
    return this.#runtime.cancel(executionId, reason);
  }

  watch(executionId: string, afterSeq: number, listener: WatchListener, signal?: AbortSignal): Promise<ExecutionRecord | undefined> {
    return this.#runtime.watch(executionId, afterSeq, listener, signal);
  }

  list(query?: ListExecutionsQuery): Promise<ExecutionRecord[]> {
    return this.#runtime.list(query);
  }

  events(executionId: string, afterSeq?: number): Promise<ExecutionEvent[]> {
    return this.#runtime.events(executionId, afterSeq);
  }

  /** Everything started so far is durable: executions placed elsewhere once their node answered (or they ended here). */
  async persisted(): Promise<void> {
    await Promise.all([...this.#placed.values()].map((p) => p.acknowledged));
    await this.#runtime.persisted();
  }
}
