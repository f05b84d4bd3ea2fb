import { traceIdOf } from "./trace-spans.js";
import { addAttempt, emptyUsage, mergeUsage, round3, type StepUsage, type Usage } from "./usage.js";
import { FINAL_STATUS_OF_EVENT, type QueueState, type ExecutionEvent, type ExecutionMode, type ExecutionRecord, type StepRecord, type ErrorInfo } from "./types.js";

/** The record of an execution is a fold of its events: this is the fold, shared by every process that watches one. */

export interface NewRecordInput {
  executionId: string;
  workflowName: string;
  mode: ExecutionMode;
  node: string;
  stepIds: readonly string[];
  startMs: number;
  workflowFile?: string;
  input?: unknown;
  /** The process that owns the execution (and answers cancel requests), not an isolated child's. */
  pid?: number;
  startedBy?: string;
  startedByTenant?: string;
  /** The priority its request's queue ticket asked for (after a token's cap): shown whether or not it ever waits. */
  priority?: number;
}

export function createRecord(init: NewRecordInput): ExecutionRecord {
  return {
    execution_id: init.executionId,
    workflow_name: init.workflowName,
    execution_mode: init.mode,
    status: "pending",
    start_time: init.startMs / 1000,
    elapsed_time: 0,
    progress: { completed_steps: 0, total_steps: init.stepIds.length, current: [], message: "Waiting to start" },
    steps: init.stepIds.map((id) => ({ id, status: "pending", attempts: 0, node: init.node })),
    node: init.node,
    ...(init.workflowFile === undefined ? {} : { workflow_file: init.workflowFile }),
    ...(init.input === undefined ? {} : { input: init.input }),
    ...(init.pid === undefined ? {} : { pid: init.pid }),
    ...(init.startedBy === undefined ? {} : { started_by: init.startedBy }),
    ...(init.startedByTenant === undefined ? {} : { started_by_tenant: init.startedByTenant }),
    ...(init.priority === undefined ? {} : { priority: init.priority }),
  };
}

/** An attempt's usage, from its step's retrying or end event: into the step's (summed over attempts) and the execution's. */
function countAttempt(record: ExecutionRecord, step: StepRecord, usage: StepUsage | undefined): void {
  if (usage === undefined) return;
  step.usage = addAttempt(step.usage, usage);
  mergeUsage((record.usage ??= emptyUsage()), usage);
}

function stepOf(record: ExecutionRecord, id: string | undefined): StepRecord | undefined {
  if (id === undefined) return undefined;
  // Steps are few and the record keeps file order; a linear scan beats keeping a second index in sync.
  for (const step of record.steps) if (step.id === id) return step;
  return undefined;
}

/** Text the source document shows under `progress`, e.g. "Processing step 3 of 5". */
export function progressMessage(record: ExecutionRecord): string {
  const { completed_steps: done, total_steps: total } = record.progress;
  if (record.status === "completed") return `Completed ${done} of ${total} steps`;
  if (record.status === "pending") return "Waiting to start";
  if (record.status === "queued") return `Queued at position ${record.queue?.position ?? "?"}: ${record.queue?.reason ?? "waiting for a slot"}`;
  if (record.status !== "running") return `${record.status[0]!.toUpperCase()}${record.status.slice(1)} after ${done} of ${total} steps`;
  return `Processing step ${Math.min(done + 1, total)} of ${total}`;
}

/** A queued record with its place in line and the limit holding it as of now (the stored ones are as of when it was queued). */
export function withQueuedPlace(record: ExecutionRecord, position: number, reason: string): ExecutionRecord {
  const placed = { ...record, queue: { ...record.queue!, position, reason } };
  return { ...placed, progress: { ...record.progress, message: progressMessage(placed) } };
}

/** Applies one event to a record in place; returns the record. Unknown or repeated events are harmless. */
export function applyEvent(record: ExecutionRecord, event: ExecutionEvent): ExecutionRecord {
  const seconds = event.time / 1000;
  const step = stepOf(record, event.step);
  const data = event.data as Record<string, unknown> | undefined;
  switch (event.type) {
    case "execution.queued":
      record.status = "queued";
      record.queue = data as unknown as QueueState;
      break;
    case "execution.started":
      record.status = "running";
      if (record.queue !== undefined) delete record.queue;
      if (typeof data?.["node"] === "string") record.node = data["node"];
      if (traceIdOf(data?.["traceparent"]) !== undefined) record.trace_id = traceIdOf(data?.["traceparent"])!;
      break;
    case "execution.resumed":
      // Steps that were running when the owner died start over (or fail): none of them is running now.
      record.status = "running";
      record.progress.current = [];
      for (const s of record.steps) if (s.status === "running" || s.status === "retrying") s.status = "pending";
      if (typeof data?.["node"] === "string") record.node = data["node"];
      if (typeof data?.["pid"] === "number") record.pid = data["pid"];
      break;
    case "step.started":
      if (step) {
        if (step.status !== "retrying") record.progress.current.push(step.id);
        step.status = "running";
        if (step.message !== undefined) delete step.message;
        step.attempts = event.attempt ?? step.attempts + 1;
        step.started ??= seconds;
        if (typeof data?.["node"] === "string") step.node = data["node"];
      }
      break;
    case "step.retrying":
      if (step) {
        step.status = "retrying";
        step.error = data?.["error"] as ErrorInfo;
        countAttempt(record, step, data?.["usage"] as StepUsage | undefined);
      }
      break;
    case "step.completed":
    case "step.failed":
    case "step.skipped":
      if (step) {
        const wasRunning = step.status === "running" || step.status === "retrying";
        step.status = event.type === "step.completed" ? "completed" : event.type === "step.skipped" ? "skipped" : ((data?.["status"] as StepRecord["status"]) ?? "failed");
        step.ended = seconds;
        if (step.message !== undefined) delete step.message;
        countAttempt(record, step, data?.["usage"] as StepUsage | undefined);
        if (event.type === "step.completed") {
          step.output = data?.["output"];
          delete step.error;
        }
        if (event.type === "step.failed") step.error = data?.["error"] as ErrorInfo;
        if (wasRunning) {
          const at = record.progress.current.indexOf(step.id);
          if (at !== -1) record.progress.current.splice(at, 1);
        }
        if (event.type !== "step.failed") record.progress.completed_steps += 1;
      }
      break;
    case "step.progress":
      // Why a step waits (no node fits yet, its node is full) stays on the step until it starts or ends.
      if (step && data?.["kind"] === "pending" && typeof data["message"] === "string" && step.status === "pending") step.message = data["message"];
      break;
    case "execution.progress":
      break;
    default: {
      const status = FINAL_STATUS_OF_EVENT[event.type];
      if (status === undefined) break;
      record.status = status;
      record.end_time = seconds;
      record.progress.current = [];
      if (record.queue !== undefined) delete record.queue;
      if (status === "completed") record.result = data?.["result"];
      else if (data?.["error"] !== undefined) record.error = data["error"] as ErrorInfo;
      // The supervisor's totals count every attempt, short ones included; without them (its owner died) the steps' sum stands.
      const final = data?.["usage"] as Usage | undefined;
      // Taken as it is (the event was stored already); filled in only when an older node sent it without by_model.
      if (final?.tokens !== undefined) record.usage = final.by_model === undefined ? mergeUsage(emptyUsage(), final) : final;
      const usage = (record.usage ??= emptyUsage());
      usage.wall_ms = round3((seconds - record.start_time) * 1000);
      if (final?.isolated !== undefined) usage.isolated = final.isolated;
      if (usage.cpu_ms !== undefined) usage.cpu_ms = round3(usage.cpu_ms);
      for (const s of record.steps) {
        if (s.status === "running" || s.status === "retrying" || s.status === "pending") {
          if (s.status !== "pending") s.ended = seconds;
          s.status = status === "timeout" && s.status !== "pending" ? "timeout" : "cancelled";
        }
      }
    }
  }
  record.elapsed_time = (record.end_time ?? seconds) - record.start_time;
  record.progress.message = progressMessage(record);
  return record;
}

/** Elapsed seconds as of now for a live record; frozen once it has ended. */
export function elapsedNow(record: ExecutionRecord, nowMs: number): number {
  return record.end_time !== undefined ? record.end_time - record.start_time : nowMs / 1000 - record.start_time;
}
