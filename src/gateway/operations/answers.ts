import { elapsedNow, type ExecutionEvent, type ExecutionRecord } from "../../engine/internal.js";
import type { ExecutionAnswer, ExecutionEventAnswer } from "./schemas.js";
import type { ServerPaths } from "./server-paths.js";
import { given } from "../../present.js";

/**
 * A record in the shape every gateway answers with (the documented fields only, elapsed time as of now). Errors and
 * the workflow file name server folders neutrally (see ServerPaths); results and outputs are the workflow's own.
 */
export function executionAnswer(record: ExecutionRecord, message: string, paths: ServerPaths): ExecutionAnswer {
  const answer: ExecutionAnswer = {
    execution_id: record.execution_id,
    status: record.status,
    message: paths.text(message),
    workflow_name: record.workflow_name,
    execution_mode: record.execution_mode,
    start_time: record.start_time,
    elapsed_time: Math.max(0, elapsedNow(record, Date.now())),
    progress: { completed_steps: record.progress.completed_steps, total_steps: record.progress.total_steps, current: [...record.progress.current], message: record.progress.message },
    steps: record.steps.map((s) => ({
      id: s.id,
      status: s.status,
      attempts: s.attempts,
      node: s.node,
      ...given({ started: s.started, ended: s.ended, output: s.output }),
      ...(s.error === undefined ? {} : { error: paths.errorInfo(s.error) }),
      ...given({ usage: s.usage }),
      ...(s.message === undefined ? {} : { message: paths.text(s.message) }),
    })),
    node: record.node,
  };
  if (record.end_time !== undefined) answer.end_time = record.end_time;
  if (record.result !== undefined) answer.result = record.result;
  if (record.error !== undefined) answer.error = paths.errorInfo(record.error);
  if (record.workflow_file !== undefined) answer.workflow_file = paths.text(record.workflow_file);
  if (record.usage !== undefined) answer.usage = record.usage;
  if (record.trace_id !== undefined) answer.trace_id = record.trace_id;
  if (record.queue !== undefined) answer.queue = { ...record.queue };
  return answer;
}

export function notFoundAnswer(executionId: string): ExecutionAnswer {
  return { execution_id: executionId, status: "not_found", message: `No execution with id ${executionId}` };
}

/** What a caller is told about an execution, in the source document's words (server folders named neutrally). */
export function statusMessage(record: ExecutionRecord, paths: ServerPaths): string {
  return paths.text(statusText(record));
}

function statusText(record: ExecutionRecord): string {
  switch (record.status) {
    case "completed":
      return `Execution completed in ${elapsedNow(record, Date.now()).toFixed(3)}s`;
    case "failed":
    case "timeout":
      return `Execution ${record.status}: ${record.error?.message ?? "no error recorded"}`;
    case "cancelled":
      return `Execution cancelled: ${record.error?.message ?? "cancelled"}`;
    default:
      return record.progress.message;
  }
}

/** An event as callers see it: the error a failure event carries names server folders neutrally. */
export function eventAnswer(event: ExecutionEvent, paths: ServerPaths): ExecutionEventAnswer {
  const answer: ExecutionEventAnswer = { execution_id: event.execution_id, seq: event.seq, type: event.type, time: event.time };
  if (event.step !== undefined) answer.step = event.step;
  if (event.attempt !== undefined) answer.attempt = event.attempt;
  if (event.data !== undefined) answer.data = withScrubbedError(event.data, paths);
  return answer;
}

function withScrubbedError(data: unknown, paths: ServerPaths): unknown {
  const error = typeof data === "object" && data !== null ? (data as { error?: unknown }).error : undefined;
  if (typeof error !== "object" || error === null || typeof (error as { message?: unknown }).message !== "string") return data;
  return { ...(data as object), error: paths.errorInfo(error as { message: string; hint?: string }) };
}
