import { applyEvent, createRecord, storedEnd, TERMINAL_EVENT_TYPES, TERMINAL_STATUSES, type CancelResult, type ExecuteRequest, type ExecutionEvent, type ExecutionRecord, type ExecutionStore, type NodeInfo } from "../engine/internal.js";
import { toErrorInfo } from "../errors.js";
import type { Logger } from "../observability/index.js";
import { decodeJson, encodeJson } from "./codec.js";
import { ClusterError, NoFeasibleNodeError } from "./errors.js";
import type { ExecutionOrder } from "./execution-order.js";
import type { CancelAnswer, StartAnswer } from "./execution-order-server.js";
import { placementNodeOf } from "./placement-node.js";
import { place, type PlacementRequest } from "./placement.js";
import { cancelSubject, startSubject } from "./subjects.js";
import type { ClusterWire } from "./trust/cluster-wire.js";
import { given } from "../present.js";

/** How often an execution nobody can take yet looks for a node again, and how long a node has to answer a start. */
const REPLACE_MS = 250;
const START_TIMEOUT_MS = 10_000;
/** How often the record is read while the execution runs elsewhere, in case fan-out dropped its last event. */
const CHECK_MS = 1000;
/** A queued execution is read only every this many checks: thousands may wait on a worker, and none ends before it starts. */
const QUEUED_CHECK_EVERY = 10;
/** How long an ended execution's answer waits for its final record to be stored by the node that ran it. */
const STORED_END_WAIT_MS = 2000;

export interface PlacedExecutionDeps {
  wire: ClusterWire;
  selfId: string;
  nodes: () => NodeInfo[];
  store: ExecutionStore;
  placementTimeoutMs: number;
  maxPayloadBytes: () => number;
  logger: Logger;
}

/**
 * An execution this node placed on another: it places it (waiting, `pending` in the store, while no node fits, up to
 * the placement timeout), sends the start order, and follows the execution's events from the store's fan-out until it
 * ends, for the caller's `done` and `onEvent`. Once started there, the other node owns it; this is only a watcher.
 */
export class PlacedExecution {
  readonly record: ExecutionRecord;
  readonly done: Promise<ExecutionRecord>;
  /** Resolves once the execution is durable somewhere: started on its node, or recorded pending or ended here. */
  readonly acknowledged: Promise<void>;
  /** The node running it, once it answered the start order. */
  node: string | undefined;
  readonly #deps: PlacedExecutionDeps;
  readonly #order: ExecutionOrder;
  readonly #placement: PlacementRequest;
  readonly #request: ExecuteRequest;
  readonly #since = Date.now();
  #resolve!: (record: ExecutionRecord) => void;
  #acknowledge!: () => void;
  #unsubscribe: (() => void) | undefined;
  #check: NodeJS.Timeout | undefined;
  #lastSeq = 0;
  #toldPending = false;
  #cancelAsked: string | undefined;
  #ended = false;
  #checks = 0;

  constructor(deps: PlacedExecutionDeps, request: ExecuteRequest, order: ExecutionOrder, placement: PlacementRequest, stepIds: readonly string[]) {
    this.#deps = deps;
    this.#order = order;
    this.#placement = placement;
    this.#request = request;
    this.record = createRecord({
      executionId: order.executionId,
      workflowName: order.workflowName,
      mode: order.mode,
      node: deps.selfId,
      stepIds,
      startMs: this.#since,
      pid: process.pid,
      ...given({ input: order.input, startedBy: order.startedBy, startedByTenant: order.startedByTenant }),
    });
    this.done = new Promise((resolve) => (this.#resolve = resolve));
    this.acknowledged = new Promise((resolve) => (this.#acknowledge = resolve));
    this.#unsubscribe = deps.store.subscribe?.(order.executionId, (event) => this.#onEvent(event));
    void deps.wire.nc.flush().then(() => this.#tryPlace(), (error: unknown) => this.#fail(toErrorInfo(error)));
  }

  /** Asks for a cancel: before it started anywhere it just ends here; once started, its node is asked. */
  async cancel(reason: string): Promise<CancelResult> {
    const id = this.#order.executionId;
    if (this.#ended) return { execution_id: id, status: this.record.status, cancelled: false, message: `Execution already ended: ${this.record.status}` };
    if (this.node === undefined) {
      this.#cancelAsked = reason;
      await this.acknowledged;
      if (this.node === undefined) return { execution_id: id, status: this.record.status, cancelled: this.record.status === "cancelled", message: this.record.status === "cancelled" ? "Execution cancelled before it was placed" : `Execution ended: ${this.record.status}` };
    }
    return cancelOn(this.#deps.wire, this.node, id, reason);
  }

  #tryPlace(): void {
    if (this.#ended) return;
    if (this.#cancelAsked !== undefined) return this.#endHere("execution.cancelled", { code: "WFX_CANCELLED", message: this.#cancelAsked });
    const result = place(this.#placement, this.#deps.nodes().map(placementNodeOf), Math.random);
    if ("node" in result) return void this.#send(result.node.id);
    if (Date.now() - this.#since >= this.#deps.placementTimeoutMs) {
      return this.#fail(toErrorInfo(new NoFeasibleNodeError(`execution of workflow '${this.#order.workflowName}'`, result.pending, Math.round(this.#deps.placementTimeoutMs / 1000))));
    }
    if (!this.#toldPending) {
      this.#toldPending = true;
      // Pending where every node sees it: status answers with the reason from any gateway.
      this.record.progress.message = `pending: ${result.pending.message}`;
      this.#deps.store.putRecord(this.record);
      void this.#deps.store.flush().then(this.#acknowledge, this.#acknowledge);
    }
    setTimeout(() => this.#tryPlace(), REPLACE_MS).unref();
  }

  async #send(nodeId: string): Promise<void> {
    const payload = encodeJson(this.#order);
    const maxBytes = this.#deps.maxPayloadBytes();
    if (payload.length > maxBytes) {
      return this.#fail(toErrorInfo(new ClusterError("WFX_EXECUTION_ORDER_TOO_LARGE", `the execution (its workflow file and input) is ${payload.length} bytes as JSON, over the ${maxBytes} bytes that may cross to another node`, { hint: "pass a smaller input (a file path or a key, not the data itself), or raise the NATS server's max_payload" })));
    }
    let answer: StartAnswer | undefined;
    try {
      answer = decodeJson<StartAnswer>(await this.#deps.wire.request(startSubject(nodeId), payload, { timeout: START_TIMEOUT_MS, encrypt: true }));
    } catch (error) {
      this.#deps.logger.warn({ err: error, node: nodeId, execution_id: this.#order.executionId }, "a node did not answer an execution's start; placing it again");
    }
    if (answer !== undefined && "error" in answer && !answer.error.retryable) return this.#fail(answer.error);
    // An earlier order of ours was started after all (its answer was lost): follow it on the node that runs it.
    if (answer !== undefined && "startedOn" in answer) nodeId = answer.startedOn;
    if (answer === undefined || "error" in answer) {
      // Nodes that fit but do not take it (full, draining, gone) count against the placement timeout too.
      if (Date.now() - this.#since >= this.#deps.placementTimeoutMs) {
        const why = answer === undefined ? `node '${nodeId}' did not answer` : answer.error.message;
        return this.#fail(toErrorInfo(new ClusterError("WFX_NODE_UNREACHABLE", `no node took execution ${this.#order.executionId} within ${Math.round(this.#deps.placementTimeoutMs / 1000)} s: ${why}`, { hint: "check the fitting nodes' logs and capacity, or raise placement_timeout_s" })));
      }
      setTimeout(() => this.#tryPlace(), REPLACE_MS).unref();
      return;
    }
    this.node = nodeId;
    // The record as it was at the start: what events folded in before this answer came (a short execution's end) is newer.
    if ("record" in answer && !this.#ended) Object.assign(this.record, this.#lastSeq === 0 ? answer.record : identityOf(answer.record as ExecutionRecord));
    this.#acknowledge();
    if (this.#ended) return;
    this.#check = setInterval(() => void this.#checkRecord(), CHECK_MS).unref();
    if (this.#cancelAsked !== undefined) void cancelOn(this.#deps.wire, nodeId, this.#order.executionId, this.#cancelAsked);
  }

  #onEvent(event: ExecutionEvent): void {
    if (this.#ended || event.seq <= this.#lastSeq) return;
    this.#lastSeq = event.seq;
    applyEvent(this.record, event);
    this.#request.onEvent?.(event, this.record);
    if (TERMINAL_EVENT_TYPES.has(event.type)) void this.#finish();
  }

  /** The stored record has ended though no terminal event arrived (fan-out is at-most-once): end with it. */
  async #checkRecord(): Promise<void> {
    if (this.record.status === "queued" && ++this.#checks % QUEUED_CHECK_EVERY !== 0) return;
    const stored = await this.#deps.store.getRecord(this.#order.executionId).catch(() => undefined);
    if (stored !== undefined && TERMINAL_STATUSES.has(stored.status)) void this.#finish(stored);
  }

  async #finish(stored?: ExecutionRecord): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    this.#stop();
    // The owner puts its final record once its events landed, a moment after them: read until it is there (bounded), else keep the folded one.
    const final = stored ?? (await storedEnd(this.#deps.store, this.#order.executionId, { everyMs: 20, untilMs: Date.now() + STORED_END_WAIT_MS }));
    const record = final !== undefined && TERMINAL_STATUSES.has(final.status) ? final : this.record;
    delete record.resume;
    Object.assign(this.record, record);
    this.#resolve(this.record);
  }

  #fail(error: { code: string; message: string; hint?: string }): void {
    this.#endHere("execution.failed", error);
  }

  /** Ends an execution no node started: the record and its one terminal event are written here. */
  #endHere(type: "execution.failed" | "execution.cancelled", error: { code: string; message: string; hint?: string }): void {
    if (this.#ended) return;
    const event: ExecutionEvent = { execution_id: this.#order.executionId, seq: 1, type, time: Date.now(), data: { error: { code: error.code, message: error.message, ...given({ hint: error.hint }) } } };
    applyEvent(this.record, event);
    try {
      this.#deps.store.appendEvent(event);
      this.#deps.store.putRecord(this.record);
    } catch (cause) {
      this.#deps.logger.error({ err: cause, execution_id: this.#order.executionId }, "could not record the end of an execution that was never placed");
    }
    this.#request.onEvent?.(event, this.record);
    this.#ended = true;
    this.#stop();
    void this.#deps.store.flush().finally(() => {
      this.#acknowledge();
      this.#resolve(this.record);
    });
  }

  #stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    clearInterval(this.#check);
  }
}

/** Who runs an execution and where, without what its events fold in. */
function identityOf(record: ExecutionRecord): Partial<ExecutionRecord> {
  const { status: _s, progress: _p, steps: _st, result: _r, error: _e, end_time: _t, elapsed_time: _el, usage: _u, queue: _q, ...identity } = record;
  return identity;
}

/** Asks the node that runs an execution to cancel it. */
export async function cancelOn(wire: ClusterWire, nodeId: string, executionId: string, reason: string): Promise<CancelResult> {
  try {
    const answer = decodeJson<CancelAnswer>(await wire.request(cancelSubject(nodeId), encodeJson({ executionId, reason }), { timeout: START_TIMEOUT_MS, encrypt: true }));
    if (answer !== undefined && "result" in answer) return answer.result;
    throw new ClusterError("WFX_NODE_UNREACHABLE", `node '${nodeId}' could not cancel execution ${executionId}: ${answer?.error.message ?? "its answer was not JSON"}`, { hint: "send the cancel again" });
  } catch (error) {
    const info = toErrorInfo(error);
    if (info.code === "WFX_NODE_UNREACHABLE") throw error;
    throw new ClusterError("WFX_NODE_UNREACHABLE", `node '${nodeId}', which runs execution ${executionId}, did not answer the cancel: ${info.message}`, { hint: "send the cancel again; if the node died, its executions are adopted by another node within seconds", cause: error });
  }
}
