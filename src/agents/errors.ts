import { WfxError } from "../errors.js";

/** Errors of model calls and of the agent tool-calling loop; transient ones (`retryable`) may be retried by the step. */
export class AgentError extends WfxError {
  override name = "AgentError";
}
