import { randomUUID } from "node:crypto";
import type { OpenedExecution } from "../engine/internal.js";
import type { CancelResult, ExecuteRequest, ExecutionClient, ExecutionQueue, ExecutionEvent, ExecutionRecord, ListExecutionsQuery, NodeEngine, NodeInfo, StartedExecution, WatchListener } from "../engine/internal.js";
import type { Logger } from "../observability/index.js";
import { withHolderPlace } from "./queue-places.js";
import { ClusterExecutionLocator } from "./cluster-locator.js";
import { orderOf } from "./execution-order.js";
import { cancelOn, PlacedExecution } from "./placed-execution.js";
import { placementNodeOf } from "./placement-node.js";
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
  /** The node's slots and key shares: what runs here takes them, or waits in it (recorded `queued`). */
  queue?: ExecutionQueue;
}

/**
 * The cluster's ExecutionClient, over this node's runtime: an execution runs here unless its workflow's `placement:`
 * or the request's targets ask for elsewhere, or this node supervises none (a gateway-only node); then it is placed on
 * a node that fits and started there. Status, watch, list and events read the cluster store, so they answer for every
 * node's executions; cancel reaches the node that runs one, as the locator finds it.
 */
export class ClusterExecutionClient implements ExecutionClient {
  readonly #runtime: NodeEngine;
  readonly #deps: ClusterClientDeps;
  /** Where an execution runs: placed from here, on another node, or wherever the engine finds it. */
  readonly locator: ClusterExecutionLocator;

  constructor(runtime: NodeEngine, deps: ClusterClientDeps) {
    this.#runtime = runtime;
    this.#deps = deps;
    this.locator = new ClusterExecutionLocator(runtime.locator, runtime.store, deps.selfId);
  }

  start(request: ExecuteRequest): StartedExecution {
    const started = this.#start(request);
    if (started.elsewhere === true) return started;
    // Its end answered once stored: a caller's next read, on any node (another gateway pod), sees it ended.
    const store = this.#runtime.store;
    const stored = (id: string) => (store.stored === undefined ? this.#runtime.persisted() : store.stored(id));
    return { ...started, done: started.done.then(async (record) => (await stored(record.execution_id).catch(() => undefined), record)) };
  }

  #start(request: ExecuteRequest): StartedExecution {
    const wire = this.#deps.wire();
    if (wire === undefined) return this.#startHere(request);
    // Opened once, here, wherever it then runs: a request the receiving node would refuse (its budget) is refused before anything is placed.
    const opened = this.#runtime.open(request, { checkOrigin: false });
    // A fitting node that is full queues the execution durably: it goes to the least used of them rather than waiting here.
    const placement: PlacementRequest = { ...placementFor(opened.plan.placement, request.placement), kind: "execution", queueWhenFull: true };
    const nodes = this.#deps.nodes();
    const self = nodes.find((n) => n.id === this.#deps.selfId);
    if (!asksForSomewhere(placement) && self !== undefined && self.capacity > 0) return this.#startHere(opened);
    const chosen = place(placement, nodes.map(placementNodeOf), Math.random);
    if ("node" in chosen && chosen.node.id === this.#deps.selfId) return this.#startHere(opened);
    const executionId = request.executionId ?? randomUUID();
    const order = orderOf(request, { executionId, workflowName: opened.workflowName, environment: opened.environment, placedBy: this.#deps.selfId, workflowFolders: this.#runtime.workflowFolders });
    const placed = new PlacedExecution({ wire, selfId: this.#deps.selfId, nodes: this.#deps.nodes, store: this.#runtime.store, placementTimeoutMs: this.#deps.placementTimeoutMs, maxPayloadBytes: this.#deps.maxPayloadBytes, logger: this.#deps.logger }, request, order, placement, opened.plan.steps.map((s) => s.id));
    this.locator.track(executionId, placed);
    if (request.signal !== undefined) {
      const onAbort = () => void this.cancel(executionId, "the caller went away").catch(() => undefined);
      request.signal.addEventListener("abort", onAbort, { once: true });
      void placed.done.finally(() => request.signal!.removeEventListener("abort", onAbort));
    }
    return { executionId, record: placed.record, done: placed.done, elsewhere: true };
  }

  /** Runs here when a slot and its key shares are free, else records it `queued` here (a request with its queue ticket). */
  #startHere(request: ExecuteRequest | OpenedExecution): StartedExecution {
    const queue = this.#deps.queue;
    const asked = "plan" in request ? request.request : request;
    const ticket = asked.ticket;
    if (queue === undefined || ticket === undefined || asked.queued !== undefined || asked.executionId === undefined) return this.#runtime.start(request);
    const taken = queue.tryTake({ priority: ticket.priority, key: ticket.turnKey, limits: ticket.limits });
    if (taken === undefined) {
      const queued = { ...asked, queued: queue.queuedRequest(asked.executionId, ticket) };
      return this.#runtime.start("plan" in request ? { ...request, request: queued } : queued);
    }
    let started: StartedExecution;
    try {
      started = this.#runtime.start(request);
    } catch (error) {
      taken.release();
      throw error;
    }
    void started.done.finally(() => taken.release()).catch(() => undefined);
    return started;
  }

  async status(executionId: string): Promise<ExecutionRecord | undefined> {
    const placed = this.locator.placed(executionId);
    // Placed from here and not yet started anywhere: the store may not have it yet.
    if (placed !== undefined && placed.node === undefined) return structuredClone(placed.record);
    const record = await this.#runtime.status(executionId);
    const wire = this.#deps.wire();
    // Queued on another node: its place and reason as of now are that node's to say.
    return record?.status === "queued" && record.node !== this.#deps.selfId && wire !== undefined ? withHolderPlace(wire, record) : record;
  }

  async cancel(executionId: string, reason = "cancelled by request"): Promise<CancelResult> {
    const placed = this.locator.placed(executionId);
    if (placed !== undefined) return placed.cancel(reason);
    const wire = this.#deps.wire();
    if (wire === undefined) return this.#runtime.cancel(executionId, reason);
    const at = await this.locator.locate(executionId);
    // Another node's: ask it while it lives; anything else (here, ended, a dead owner's orphan) the engine handles.
    if (at.where === "node" && at.node !== undefined) return cancelOn(wire, at.node, executionId, reason);
    const result = await this.#runtime.cancel(executionId, reason);
    // Answered once its end is in the store, as an order from another node is: any node reads it cancelled from then on.
    await this.#runtime.persisted();
    return result;
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
    await Promise.all(this.locator.allPlaced().map((p) => p.acknowledged));
    await this.#runtime.persisted();
  }
}
