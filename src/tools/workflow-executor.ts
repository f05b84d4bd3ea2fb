import { z } from "zod";
import { throwIfAborted, ToolError } from "./errors.js";
import type { Tool, ToolCallContext, ToolFactory } from "./types.js";
import { given } from "../present.js";

/** The methods of the source document's workflow executor, callable by a workflow on the executor itself. */
export const WORKFLOW_EXECUTOR_METHODS = ["execute_workflow", "execute_generated_workflow", "generate_workflow", "check_execution_status", "cancel_execution", "list_workflows"] as const;
export type WorkflowExecutorMethod = (typeof WORKFLOW_EXECUTOR_METHODS)[number];

/** How deep workflows started by workflows may nest: an execution started by a tool call is one deeper than its caller. */
export const DEFAULT_MAX_META_DEPTH = 3;

/** Whether a method starts an execution (and so counts toward the depth). */
export function startsExecution(method: WorkflowExecutorMethod): boolean {
  return method === "execute_workflow" || method === "execute_generated_workflow";
}

/** The refusal of a call that would start an execution deeper than `maxDepth`, so a workflow starting itself ends. */
export function metaDepthExceeded(method: WorkflowExecutorMethod, maxDepth: number, depth: number): ToolError {
  return new ToolError("WFX_META_DEPTH_EXCEEDED", `${method} refused: workflows started by workflows may nest ${maxDepth} deep, and this call would start level ${depth}`, {
    hint: "do the work in this workflow's own steps, or raise the executor's maxDepth",
  });
}

/**
 * What the `mcpworkflow_executor` tool calls. The node that runs the tool provides it (over its runtime and
 * generator); the tool itself knows nothing of runtimes or gateways. `executionId` names the calling execution, so
 * the implementation can tell how deep in meta-orchestration a call is.
 */
export interface WorkflowExecutorClient {
  call(method: WorkflowExecutorMethod, params: Record<string, unknown>, ctx: { signal: AbortSignal; executionId?: string }): Promise<unknown>;
}

export const workflowExecutorArgsSchema = z.strictObject({
  method: z.enum(WORKFLOW_EXECUTOR_METHODS).describe("what to do: run a workflow, generate one from a description, generate and run, check or cancel an execution, list workflows"),
  params: z
    .record(z.string(), z.unknown())
    .optional()
    .describe(
      "execute_workflow: {workflow_name, config_path?, input_data?, execution_mode?: sync|async|isolated, timeout?}; generate_workflow: {workflow_description, complexity?: simple|medium|complex, workflow_name?}; execute_generated_workflow: {workflow_description, input_data?, execution_mode?, complexity?}; check_execution_status / cancel_execution: {execution_id}; list_workflows: {config_path?, pattern?}",
    ),
});
export type WorkflowExecutorArgs = z.infer<typeof workflowExecutorArgsSchema>;

/** The built-in `mcpworkflow_executor` tool, bound to `client`; without one every call explains that none is connected. */
export function workflowExecutorToolFactory(client?: WorkflowExecutorClient): ToolFactory {
  const factory: ToolFactory = {
    type: "mcpworkflow_executor",
    description: "Runs, generates, monitors and cancels workflows on this executor (meta-orchestration)",
    create(definition) {
      return new WorkflowExecutorTool(definition.id, definition.description ?? factory.description, client);
    },
  };
  return factory;
}

class WorkflowExecutorTool implements Tool<WorkflowExecutorArgs> {
  readonly type = "mcpworkflow_executor";
  readonly inputSchema = workflowExecutorArgsSchema;

  constructor(
    readonly id: string,
    readonly description: string,
    readonly client: WorkflowExecutorClient | undefined,
  ) {}

  async call(rawArgs: WorkflowExecutorArgs, ctx: ToolCallContext): Promise<unknown> {
    const args = workflowExecutorArgsSchema.parse(rawArgs);
    throwIfAborted(ctx.signal, `workflow executor ${args.method}`);
    if (this.client === undefined) {
      throw new ToolError("WFX_EXECUTOR_UNAVAILABLE", `tool '${this.id}' (mcpworkflow_executor) is not connected to an executor in this process`, {
        hint: "run the workflow through wfx or a gateway (they connect it; isolated processes use their node's), or use an mcpremote tool pointing at an executor's MCP endpoint",
      });
    }
    return this.client.call(args.method, args.params ?? {}, { signal: ctx.signal, ...given({ executionId: ctx.executionId }) });
  }
}
