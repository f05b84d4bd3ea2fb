import { WfxError } from "../errors.js";

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
