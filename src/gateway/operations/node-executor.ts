import { DEFAULT_MAX_META_DEPTH, metaDepthExceeded, startsExecution, ToolError, type WorkflowExecutorClient, type WorkflowExecutorMethod } from "../../tools/index.js";
import type { Operations } from "./operations.js";

/**
 * The executor a node's `mcpworkflow_executor` tools call: the node's own methods, called as whoever started the
 * calling execution (so a workflow can do no more than its caller may, and the call is audited as theirs), one
 * level deeper than it, under the node's admission limit.
 */
export class NodeExecutor implements WorkflowExecutorClient {
  readonly maxDepth: number;
  #operations: Operations | undefined;

  constructor(maxDepth = DEFAULT_MAX_META_DEPTH) {
    this.maxDepth = maxDepth;
  }

  /** The runtime needs its tools before the node's operations exist; the node attaches them once built. */
  attach(operations: Operations): void {
    this.#operations = operations;
  }

  async call(method: WorkflowExecutorMethod, params: Record<string, unknown>, ctx: { signal: AbortSignal; executionId?: string }): Promise<unknown> {
    // Sub-workflows share their parent's caller: their ids extend it with `/step`.
    const caller = ctx.executionId === undefined ? undefined : this.#operations?.executions.callerOf(ctx.executionId.split("/")[0]!);
    if (this.#operations === undefined || caller === undefined) {
      throw new ToolError("WFX_EXECUTOR_UNAVAILABLE", `${method} refused: only workflows started through this node's gateways may call its executor`, {
        hint: "start the calling workflow with execute_workflow on this node",
      });
    }
    const depth = caller.depth + 1;
    if (startsExecution(method) && depth > this.maxDepth) throw metaDepthExceeded(method, this.maxDepth, depth);
    return this.#operations.call(method, params, { principal: caller.principal, gateway: "workflow", signal: ctx.signal, depth });
  }
}
