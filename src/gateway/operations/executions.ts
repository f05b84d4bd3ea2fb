import { randomUUID } from "node:crypto";
import { closestMatch } from "../../config/index.js";
import { defaultWorkflowName, TERMINAL_STATUSES, type ExecutionClient, type ExecutionEvent, type ExecutionMode, type ExecutionRecord, type StartedExecution, type WorkflowSource } from "../../engine/index.js";
import type { NodeMetrics } from "../../observability/index.js";
import { requireWorkflow, type Principal } from "../auth/index.js";
import { GatewayError } from "../errors.js";
import type { Admission } from "./admission.js";
import { executionAnswer, statusMessage } from "./answers.js";
import type { ExecutionAnswer } from "./schemas.js";
import type { ServerPaths } from "./server-paths.js";

export interface RunRequest {
  source: WorkflowSource;
  /** Defaults to the file's only workflow, else its first. */
  workflowName?: string | undefined;
  input?: unknown;
  mode: ExecutionMode;
  timeoutS?: number | undefined;
  /** Merged onto the file by the runtime (the gateway has already checked what it may change). */
  configOverride?: Record<string, unknown> | undefined;
}

export interface RunContext {
  principal: Principal;
  signal?: AbortSignal | undefined;
  /** Sees every event of a sync execution (MCP progress notifications). */
  onEvent?: ((event: ExecutionEvent, record: ExecutionRecord) => void) | undefined;
  /** Epoch ms by which a sync caller gives up (a gRPC deadline); the execution's timeout is capped to it. */
  deadlineMs?: number | undefined;
  depth?: number | undefined;
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
  readonly #admission: Admission;
  readonly #metrics: NodeMetrics;
  readonly #paths: ServerPaths;
  readonly #sync = new Map<string, Promise<ExecutionRecord>>();
  readonly #background = new Set<string>();
  readonly #callers = new Map<string, ExecutionCaller>();

  constructor(runtime: ExecutionClient, admission: Admission, metrics: NodeMetrics, paths: ServerPaths) {
    this.#runtime = runtime;
    this.#admission = admission;
    this.#metrics = metrics;
    this.#paths = paths;
  }

  async run(request: RunRequest, ctx: RunContext): Promise<ExecutionAnswer> {
    const workflowName = request.workflowName ?? defaultWorkflowName(request.source.file);
    // The name is the caller's: `in` would accept `constructor` or `toString`, which every object inherits.
    if (!Object.hasOwn(request.source.file.workflows, workflowName)) {
      const match = closestMatch(workflowName, Object.keys(request.source.file.workflows));
      throw new GatewayError("WFX_UNKNOWN_WORKFLOW", `the workflow file has no workflow '${workflowName}'${match === undefined ? "" : `; did you mean '${match}'?`}`, { hint: `workflows in it: ${Object.keys(request.source.file.workflows).join(", ")}` });
    }
    requireWorkflow(ctx.principal, workflowName);
    const sync = request.mode === "sync";
    let timeoutS = request.timeoutS;
    if (sync && ctx.deadlineMs !== undefined) {
      const remaining = (ctx.deadlineMs - Date.now()) / 1000;
      const left = Math.max(0.001, remaining - deadlineMargin(remaining));
      timeoutS = timeoutS === undefined ? left : Math.min(timeoutS, left);
    }
    const release = this.#admission.acquire();
    const tracker = this.#metrics.track(request.mode);
    const caller = sync ? ctx.onEvent : undefined;
    const track = tracker.onEvent;
    const onEvent = caller === undefined ? track : (event: ExecutionEvent, record: ExecutionRecord) => (track(event, record), caller(event, record));
    // Known before the first step runs (it may call the node's executor, which asks who started the execution).
    const executionId = randomUUID();
    this.#callers.set(executionId, { principal: ctx.principal, depth: ctx.depth ?? 0 });
    let started: StartedExecution;
    try {
      started = this.#runtime.start({
        executionId,
        startedBy: ctx.principal.id,
        source: request.source,
        workflowName,
        input: request.input,
        mode: request.mode,
        onEvent,
        ...(timeoutS === undefined ? {} : { timeoutS }),
        ...(request.configOverride === undefined ? {} : { configOverride: request.configOverride }),
        ...(sync && ctx.signal !== undefined ? { signal: ctx.signal } : {}),
      });
    } catch (error) {
      release();
      tracker.abandon();
      this.#callers.delete(executionId);
      throw error;
    }
    const { done } = started;
    void done.finally(() => {
      release();
      this.#callers.delete(executionId);
    });
    if (!sync) {
      this.#background.add(executionId);
      void done.finally(() => this.#background.delete(executionId));
      // The id leaves only once the execution is on disk, so an acknowledged execution survives a crash.
      await this.#runtime.persisted();
      return executionAnswer(started.record, `Execution started in ${request.mode} mode; follow it with check_execution_status or watch_execution`, this.#paths);
    }
    this.#sync.set(executionId, done);
    try {
      const record = await done;
      return executionAnswer(record, statusMessage(record, this.#paths), this.#paths);
    } finally {
      this.#sync.delete(executionId);
    }
  }

  /**
   * Shutdown: waits up to `graceMs` for sync calls to finish, then cancels what still runs (sync and async alike) so
   * every record ends with a final status instead of staying `running` forever.
   */
  async drain(graceMs: number): Promise<{ finished: number; cancelled: number }> {
    const waiting = [...this.#sync.values()];
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(waiting), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    const left = [...this.#sync.keys(), ...this.#background];
    const cancelled = await Promise.all(left.map((id) => this.#runtime.cancel(id, "the node shut down").then((r) => r.cancelled, () => false)));
    return { finished: waiting.length - this.#sync.size, cancelled: cancelled.filter(Boolean).length };
  }

  /** Who started an execution that still runs here (undefined once it ended, or if it was not started here). */
  callerOf(executionId: string): ExecutionCaller | undefined {
    return this.#callers.get(executionId);
  }

  /** The record, or undefined; a token limited to other workflows is refused. */
  async status(executionId: string, principal: Principal): Promise<ExecutionRecord | undefined> {
    const record = await this.#runtime.status(executionId);
    if (record) requireWorkflow(principal, record.workflow_name);
    return record;
  }

  isFinal(record: ExecutionRecord): boolean {
    return TERMINAL_STATUSES.has(record.status);
  }
}
