import { randomUUID } from "node:crypto";
import { closestMatch, type Budget } from "../../config/index.js";
import { defaultWorkflowName, type ExecutionQueue, type ExecutionLocator, IdempotencyKeys, settledWithin, TERMINAL_STATUSES, withQueuedPlace, type ExecutionClient, type ExecutionStore, type ExecutionEvent, type ExecutionMode, type ExecutionRecord, type StartedExecution, type WorkflowSource } from "../../engine/internal.js";
import { placementFor } from "../../cluster/placement.js";
import type { NodeMetrics } from "../../observability/index.js";
import { maySee, requireWorkflow, type Principal } from "../auth/index.js";
import { GatewayError } from "../errors.js";
import { shownTicket, ticketFor } from "./queue-tickets.js";
import { executionAnswer, statusMessage } from "./answers.js";
import type { ExecutionLabeller } from "./execution-labels.js";
import { repeatAnswer, type KeyedRequest } from "./idempotency.js";
import type { RunContext } from "./run-context.js";
import type { ExecutionAnswer } from "./schemas.js";
import type { ServerPaths } from "./server-paths.js";
import { given } from "../../present.js";

export type { RunContext } from "./run-context.js";

export interface RunRequest {
  source: WorkflowSource;
  /** Defaults to the file's only workflow, else its first. */
  workflowName?: string | undefined;
  input?: unknown;
  mode: ExecutionMode;
  timeoutS?: number | undefined;
  /** Merged onto the file by the runtime (the gateway has already checked what it may change). */
  configOverride?: Record<string, unknown> | undefined;
  /** The caller's idempotency key and the request it stands for (see idempotency.ts). */
  idempotency?: KeyedRequest | undefined;
  /** In a cluster: the node or pool, and the tags, the caller asks it to run on. */
  targetInstance?: string | undefined;
  targetTags?: string[] | undefined;
  /** The caller's budget: checked against the workflow's and the caller policy's by the runtime. */
  budget?: Budget | undefined;
  /** 0-9 (9 first) while it waits for a slot; default the workflow's `priority:`, else 5. */
  priority?: number | undefined;
}

/** The answer, and with an idempotency key the memo the key's first request stored (a generated workflow's summary). */
export interface RunResult {
  answer: ExecutionAnswer;
  memo?: Record<string, unknown>;
}

/** Who started a running execution, and how deep in meta-orchestration it is: what its executor calls act as. */
export interface ExecutionCaller {
  principal: Principal;
  depth: number;
}

/** Time kept for the reply to travel back once a deadline-capped execution times out: 10% of it, 50 to 250 ms. */
function deadlineMargin(leftS: number): number {
  return Math.min(0.25, Math.max(0.05, leftS / 10));
}

/** Starts executions under the node's admission limit, waits for sync ones, and drains them all at shutdown. */
export class Executions {
  readonly #runtime: ExecutionClient;
  /** Slots and key shares (tokens' max_running, workflows' concurrency keys); what finds none free waits in it. */
  readonly #queue: ExecutionQueue;
  /** Whether slots and queueing are this node's here (one node), or the running node's (a cluster member: its client does it). */
  readonly #queueing: boolean;
  readonly #metrics: NodeMetrics;
  readonly #paths: ServerPaths;
  readonly #locator: ExecutionLocator;
  readonly #sync = new Map<string, Promise<ExecutionRecord>>();
  /** Async executions started from here, by id; the locator says which of them run on another node. */
  readonly #background = new Map<string, Promise<ExecutionRecord>>();
  readonly #callers = new Map<string, ExecutionCaller>();
  readonly #keys: IdempotencyKeys;
  readonly #labeller: ExecutionLabeller;

  constructor(runtime: ExecutionClient, locator: ExecutionLocator, store: ExecutionStore, queue: { queue: ExecutionQueue; queueing: boolean }, metrics: NodeMetrics, paths: ServerPaths, idempotencyWindowMs: number, labeller: ExecutionLabeller) {
    this.#queue = queue.queue;
    this.#queueing = queue.queueing;
    this.#runtime = runtime;
    this.#locator = locator;
    this.#keys = new IdempotencyKeys(store, { windowMs: idempotencyWindowMs, lookup: (id) => runtime.status(id) });
    this.#metrics = metrics;
    this.#paths = paths;
    this.#labeller = labeller;
  }

  /** Starts the execution, or with an idempotency key already used, answers with the execution the key started. */
  async run(request: RunRequest, ctx: RunContext): Promise<RunResult> {
    const workflowName = request.workflowName ?? defaultWorkflowName(request.source.file);
    // The name is the caller's: `in` would accept `constructor` or `toString`, which every object inherits.
    if (!Object.hasOwn(request.source.file.workflows, workflowName)) {
      const match = closestMatch(workflowName, Object.keys(request.source.file.workflows));
      throw new GatewayError("WFX_UNKNOWN_WORKFLOW", `the workflow file has no workflow '${workflowName}'${match === undefined ? "" : `; did you mean '${match}'?`}`, { hint: `workflows in it: ${Object.keys(request.source.file.workflows).join(", ")}` });
    }
    requireWorkflow(ctx.principal, workflowName);
    // Known before the first step runs (it may call the node's executor, which asks who started the execution), and
    // before an idempotency key is claimed for it.
    const executionId = randomUUID();
    const keyed = request.idempotency;
    if (keyed !== undefined) {
      const existing = await this.#keys.claim(ctx.principal.id, keyed.key, keyed.request, executionId, { ...given({ memo: keyed.memo }), ...given({ signal: ctx.signal }) });
      if (existing !== undefined) return { answer: await repeatAnswer(this.#runtime, this.#paths, existing.execution_id, request.mode, ctx), ...given({ memo: existing.memo }) };
    }
    let started: { record: ExecutionRecord; done: Promise<ExecutionRecord> };
    try {
      started = this.#start(request, ctx, workflowName, executionId);
    } catch (error) {
      // Nothing started: the key is free for the caller's retry (if releasing fails, the claim lapses unrecorded).
      if (keyed !== undefined) await this.#keys.forget(ctx.principal.id, keyed.key).catch(() => undefined);
      throw error;
    }
    return { answer: await this.#answer(started, request.mode), ...(keyed?.memo === undefined ? {} : { memo: keyed.memo }) };
  }

  /**
   * Takes a slot and the ticket's key shares and starts the execution, or with none free records it `queued` to start
   * when they free (a cluster member, until the cluster has its queue, refuses instead); throws holding nothing.
   */
  #start(request: RunRequest, ctx: RunContext, workflowName: string, executionId: string): { record: ExecutionRecord; done: Promise<ExecutionRecord> } {
    const sync = request.mode === "sync";
    let timeoutS = request.timeoutS;
    if (sync && ctx.deadlineMs !== undefined) {
      const remaining = (ctx.deadlineMs - Date.now()) / 1000;
      const left = Math.max(0.001, remaining - deadlineMargin(remaining));
      timeoutS = timeoutS === undefined ? left : Math.min(timeoutS, left);
    }
    const ticket = ticketFor(workflowName, request.source.file.workflows[workflowName], request.input, ctx.principal, request.priority);
    const shown = shownTicket(ticket);
    // In a cluster the node that runs it (this one or a worker) takes the slot or queues it, by the ticket it carries.
    const taken = this.#queueing ? this.#queue.tryTake(ticket) : undefined;
    const tracker = this.#metrics.track(request.mode, this.#labeller.labelsFor(request.source, workflowName));
    const caller = sync ? ctx.onEvent : undefined;
    const track = tracker.onEvent;
    const onEvent = caller === undefined ? track : (event: ExecutionEvent, record: ExecutionRecord) => (track(event, record), caller(event, record));
    // A caller with an idempotency key may come back for the execution: its going away does not cancel it.
    const signal = sync && request.idempotency === undefined ? ctx.signal : undefined;
    this.#callers.set(executionId, { principal: ctx.principal, depth: ctx.depth ?? 0 });
    let started: StartedExecution;
    try {
      started = this.#runtime.start({
        executionId,
        startedBy: ctx.principal.id,
        ...given({ startedByTenant: ctx.principal.tenant }),
        source: request.source,
        workflowName,
        input: request.input,
        mode: request.mode,
        onEvent,
        // Where the caller asks it to run, within the nodes its token may use (a token limited to node tags reaches only those).
        placement: placementFor(undefined, { target_instance: request.targetInstance, target_tags: request.targetTags }, ctx.principal),
        ...given({ timeoutS, configOverride: request.configOverride, budget: request.budget, signal, trace: ctx.trace }),
        ticket: shown,
        ...(taken === undefined && this.#queueing ? { queued: this.#queue.queuedRequest(executionId, shown) } : {}),
      });
    } catch (error) {
      taken?.release();
      tracker.abandon();
      this.#callers.delete(executionId);
      throw error;
    }
    void started.done.finally(() => {
      taken?.release();
      this.#callers.delete(executionId);
    });
    // Placed on another node (or waiting for one): that node admits it; here it holds only its keys' shares.
    if (started.elsewhere === true) taken?.releaseSlot();
    return started;
  }

  /** Async: the execution as started, once it is on disk. Sync: the execution as it ended. */
  async #answer(started: { record: ExecutionRecord; done: Promise<ExecutionRecord> }, mode: ExecutionMode): Promise<ExecutionAnswer> {
    const { record, done } = started;
    const executionId = record.execution_id;
    if (mode !== "sync") {
      this.#background.set(executionId, done);
      void done.finally(() => this.#background.delete(executionId));
      // The id leaves only once the execution is on disk, so an acknowledged execution survives a crash.
      await this.#runtime.persisted();
      return executionAnswer(record, `Execution started in ${mode} mode; follow it with check_execution_status or watch_execution`, this.#paths);
    }
    this.#sync.set(executionId, done);
    try {
      const ended = await done;
      return executionAnswer(ended, statusMessage(ended, this.#paths), this.#paths);
    } finally {
      this.#sync.delete(executionId);
    }
  }

  /**
   * Shutdown: waits up to `graceMs` for sync calls to finish (and async ones too with `waitForAsync`, as a cluster node
   * does: its drain is a rolling restart's, and nobody waits on the call), then cancels what still runs so every record
   * ends with a final status instead of staying `running` forever.
   */
  async drain(graceMs: number, waitForAsync = false): Promise<{ finished: number; cancelled: number }> {
    // Placed on another node, which owns it: this node's shutdown neither waits for it nor cancels it.
    const runsHere = (id: string) => this.#locator.knownHere(id)?.where !== "node";
    // An async execution still queued stays queued, durably: the node's next start takes it up again.
    const waits = (id: string) => this.#queue.positionOf(id) !== undefined;
    const waiting = [...this.#sync.values(), ...(waitForAsync ? [...this.#background].filter(([id]) => runsHere(id) && !waits(id)).map(([, done]) => done) : [])];
    let finished = 0;
    await settledWithin(waiting.map((done) => done.finally(() => finished++)), graceMs);
    const left = [...this.#sync.keys(), ...[...this.#background.keys()].filter((id) => !waits(id))].filter(runsHere);
    const cancelled = await Promise.all(left.map((id) => this.#runtime.cancel(id, "the node shut down").then((r) => r.cancelled, () => false)));
    return { finished, cancelled: cancelled.filter(Boolean).length };
  }

  /** Who started an execution that still runs here (undefined once it ended, or if it was not started here). */
  callerOf(executionId: string): ExecutionCaller | undefined {
    return this.#callers.get(executionId);
  }

  /**
   * The record, or undefined: also for an execution the caller may not see (another tenant's), so its id answers as an
   * unknown one does. A token limited to other workflows is refused one of its tenant's.
   */
  async status(executionId: string, principal: Principal): Promise<ExecutionRecord | undefined> {
    const record = await this.#runtime.status(executionId);
    if (!record || !maySee(principal, record)) return undefined;
    requireWorkflow(principal, record.workflow_name);
    return this.withQueuePlace(record);
  }

  /** A queued record with its place and the limit holding it as of now (the stored ones are as of when it was queued). */
  withQueuePlace(record: ExecutionRecord): ExecutionRecord {
    const position = record.queue === undefined ? undefined : this.#queue.positionOf(record.execution_id);
    if (position === undefined) return record;
    return withQueuedPlace(record, position, this.#queue.reasonOf(record.execution_id) ?? record.queue!.reason);
  }

  isFinal(record: ExecutionRecord): boolean {
    return TERMINAL_STATUSES.has(record.status);
  }
}
