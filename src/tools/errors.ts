import { WfxError } from "../errors.js";

/** Errors the built-in tools and the tool registry raise; every code is `WFX_...` and comes with a hint. */
export class ToolError extends WfxError {
  override name = "ToolError";
}

/** Thrown when the calling step was cancelled or timed out before or between a tool's I/O. */
export function throwIfAborted(signal: AbortSignal, what: string): void {
  if (signal.aborted) throw cancelled(signal, what);
}

export function cancelled(signal: AbortSignal, what: string): ToolError {
  return new ToolError("WFX_CANCELLED", `${what} was cancelled`, { cause: signal.reason, hint: "the calling step was cancelled or timed out" });
}

/** A tool of a workflow a caller sent asked for what the operator's caller policy does not grant. */
export function callerDenied(message: string, hint: string): ToolError {
  return new ToolError("WFX_CALLER_POLICY_DENIED", message, { hint });
}
