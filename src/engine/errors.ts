import { toErrorInfo, WfxError } from "../errors.js";
import { given } from "../present.js";

/** Errors the engine raises about executions (as opposed to errors a step's own code throws). */
export class EngineError extends WfxError {
  override name = "EngineError";
}

export class StepTimeoutError extends WfxError {
  override name = "StepTimeoutError";
  constructor(stepId: string, timeoutMs: number) {
    super("WFX_STEP_TIMEOUT", `step '${stepId}' timed out after ${timeoutMs / 1000}s`, {
      hint: "raise the step's `timeout` (seconds) or make the step faster",
      retryable: true,
    });
  }
}

export class ExecutionTimeoutError extends WfxError {
  override name = "ExecutionTimeoutError";
  constructor(timeoutMs: number) {
    super("WFX_EXECUTION_TIMEOUT", `execution timed out after ${timeoutMs / 1000}s`, {
      hint: "raise the execution timeout (--timeout / `timeout` in the request or the workflow)",
    });
  }
}

export class CancelledError extends WfxError {
  override name = "CancelledError";
  constructor(reason = "cancelled by request") {
    super("WFX_CANCELLED", reason);
  }
}

/** The node already runs as many executions as it allows (its admission's capacity). */
export class BusyError extends WfxError {
  override name = "BusyError";
  constructor(running: number, max: number) {
    super("WFX_BUSY", `node is busy: ${running} of ${max} executions running`, { hint: "retry after a moment, or send the request to another node", retryable: true });
  }
}

/** The node's queue already holds as many waiting executions as its operator allows (`--max-queued`). */
export class QueueFullError extends WfxError {
  override name = "QueueFullError";
  constructor(queued: number, max: number) {
    super("WFX_QUEUE_FULL", `the queue is full: ${queued} of ${max} executions already wait for a slot`, { hint: "retry once some have started, send it to another node, or raise the node's --max-queued (profile capacity.queued)", retryable: true });
  }
}

/** One caller (a token) already has as many executions waiting in the node's queue as its `max_queued` allows. */
export class TokenQueueFullError extends WfxError {
  override name = "TokenQueueFullError";
  constructor(what: string, max: number) {
    super("WFX_TOKEN_QUEUE_FULL", `${what} is at its max_queued ${max}: no more of its executions may wait for a slot`, { hint: "retry once some of its queued executions have started, or raise max_queued in the token's entry (--tokens / WFX_TOKENS)", retryable: true });
  }
}

/** The node is draining: it finishes what runs and takes nothing new. */
export class ShuttingDownError extends WfxError {
  override name = "ShuttingDownError";
  constructor() {
    super("WFX_SHUTTING_DOWN", "node is shutting down and accepts no new executions", { hint: "send the request to another node", retryable: true });
  }
}

/** An execution the recorder could not record as it was (a value that is not JSON, a store refusing writes): it ends failed. */
export class RecordFailedError extends WfxError {
  override name = "RecordFailedError";
  constructor(executionId: string, what: string, reasons: readonly { what: string; reason: string }[], storeFailure: string) {
    const detail = reasons.length > 0 ? reasons.map((r) => `${r.what} cannot be serialised as JSON: ${r.reason}`).join("; ") : `the execution store refused it: ${storeFailure}`;
    super("WFX_RECORD_FAILED", `execution ${executionId} failed because ${what} could not be stored: ${detail}`, {
      hint: reasons.length > 0
        ? "input_data, step outputs and results must be plain JSON (no BigInt, no cycles, not nested thousands of levels deep); the stored record shows a `[not stored: …]` marker in their place"
        : "check the execution store (free space and permissions of the data dir) and run the workflow again",
    });
  }
}

/** An idempotency key sent again, within its window, with a request other than the one it started an execution for. */
export class IdempotencyKeyReusedError extends WfxError {
  override name = "IdempotencyKeyReusedError";
  constructor(key: string, executionId: string, createdMs: number) {
    super("WFX_IDEMPOTENCY_KEY_REUSED", `idempotency key '${key}' was already used at ${new Date(createdMs).toISOString()} for a different request (execution ${executionId})`, {
      hint: "send the original request unchanged to get that execution again, or use a new key for a new request",
    });
  }
}

/** A step's failure as data: how it travels back from the node that ran the step. */
export interface StepErrorInfo {
  code: string;
  message: string;
  hint?: string;
  /** Whether another attempt may succeed: the supervisor retries only these (when the step has `retry:`). */
  retryable: boolean;
}

/** Errors the runtime raises say whether a retry can help; anything else a step throws (a bug, a network blip) may be retried. */
export function isRetryable(error: unknown): boolean {
  return !(error instanceof WfxError) || error.retryable;
}

export function toStepErrorInfo(error: unknown): StepErrorInfo {
  // Already data (a report from a step actor): the same info again.
  const rebuilt = stepErrorOf(error);
  return { ...toErrorInfo(rebuilt), retryable: isRetryable(rebuilt) };
}

/** A step's failure rebuilt on the supervisor's side from its info: same code, message, hint and retryable. */
export class StepFailedError extends WfxError {
  override name = "StepFailedError";
  constructor(info: StepErrorInfo) {
    const code = /^WFX_[A-Z0-9_]+$/.test(info.code) ? (info.code as `WFX_${string}`) : "WFX_STEP_ERROR";
    super(code, String(info.message), { ...(info.hint === undefined ? {} : { hint: String(info.hint) }), retryable: info.retryable === true });
  }
}

/** A step failure as it arrives in a report: rebuilt from its data when it crossed from another node (or was sent as data). */
export function stepErrorOf(error: unknown): unknown {
  if (error instanceof Error || error === null || typeof error !== "object") return error;
  const info = error as Partial<StepErrorInfo>;
  return typeof info.code === "string" && typeof info.message === "string" ? new StepFailedError({ code: info.code, message: info.message, ...given({ hint: info.hint }), retryable: info.retryable === true }) : error;
}
