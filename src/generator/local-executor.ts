import { randomUUID } from "node:crypto";
import { stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { asString, BudgetSchema, loadValidWorkflowFile, type Budget } from "../config/index.js";
import type { ExecutionMode, ExecutionRecord, Runtime, WorkflowSource } from "../engine/internal.js";
import { listWorkflows } from "../engine/workflow-catalog.js";
import { DEFAULT_MAX_META_DEPTH, metaDepthExceeded, ToolError, type WorkflowExecutorClient, type WorkflowExecutorMethod } from "../tools/index.js";
import { executeGeneratedWorkflow, type ExecuteGeneratedRequest } from "./execute-generated.js";
import type { GenerateWorkflowRequest, WorkflowGenerator } from "./types.js";
import { given } from "../present.js";

export interface LocalExecutorOptions {
  runtime: Runtime;
  generator: WorkflowGenerator;
  /** Folder that `config_path` is relative to, and that `execute_workflow` / `list_workflows` search by default. */
  workflowDir: string;
  /** How deep workflows may start workflows: an execution started by a tool call is one deeper than its caller. */
  maxDepth: number;
  /** Where `execute_generated_workflow` saves what it generates (not saved when absent). */
  saveDir?: string;
}

/** An execution record cut to what a calling model needs. */
function summary(record: ExecutionRecord): Record<string, unknown> {
  return {
    execution_id: record.execution_id,
    workflow_name: record.workflow_name,
    execution_mode: record.execution_mode,
    status: record.status,
    elapsed_time: record.elapsed_time,
    progress: record.progress.message,
    ...given({ result: record.result, error: record.error, usage: record.usage }),
  };
}

/** A budget in a tool call's params, checked like the gateways check it. */
function budgetParam(value: unknown): Budget | undefined {
  if (value === undefined) return undefined;
  const parsed = BudgetSchema.safeParse(value);
  if (!parsed.success) throw new ToolError("WFX_TOOL_BAD_ARGS", "budget must be {max_tokens?, max_model_calls?, max_tool_calls?}, each a whole number of at least 1", { hint: "pass params.budget like { max_tokens: 10000 }, or leave it out" });
  return parsed.data;
}

/**
 * The executor's methods over this process's runtime and generator, for `mcpworkflow_executor` tools: a workflow
 * can generate and run workflows. Each execution started this way is one level deeper than the one that called;
 * beyond `maxDepth` calls are refused, so a workflow that starts itself cannot recurse without end.
 */
export class LocalWorkflowExecutor implements WorkflowExecutorClient {
  readonly #options: LocalExecutorOptions;
  readonly #depths = new Map<string, number>();

  constructor(options: Omit<LocalExecutorOptions, "maxDepth"> & { maxDepth?: number }) {
    this.#options = { ...options, maxDepth: options.maxDepth ?? DEFAULT_MAX_META_DEPTH };
  }

  /** Depth of an execution (sub-workflows share their parent's: their ids extend it with `/step`). */
  depthOf(executionId: string | undefined): number {
    if (executionId === undefined) return 0;
    return this.#depths.get(executionId.split("/")[0]!) ?? 0;
  }

  #childDepth(method: WorkflowExecutorMethod, executionId: string | undefined): number {
    const depth = this.depthOf(executionId) + 1;
    if (depth > this.#options.maxDepth) throw metaDepthExceeded(method, this.#options.maxDepth, depth);
    return depth;
  }

  /**
   * Runs `start` with a fresh execution id already known to be `depth` deep: its first step may call back before the
   * runtime's start returns. The depth is forgotten once the execution ends (or never started).
   */
  async #startAt<T>(depth: number, start: (executionId: string) => Promise<T>): Promise<T> {
    const executionId = randomUUID();
    this.#depths.set(executionId, depth);
    const forget = () => this.#depths.delete(executionId);
    try {
      return await start(executionId);
    } finally {
      void this.#options.runtime.recorder.whenDone(executionId).then(forget, forget);
    }
  }

  async call(method: WorkflowExecutorMethod, params: Record<string, unknown>, ctx: { signal: AbortSignal; executionId?: string }): Promise<unknown> {
    const { runtime, generator } = this.#options;
    switch (method) {
      case "generate_workflow":
        // What a workflow's tool call generates runs as a caller's: shaped to the caller policy.
        return generator.generate(params as unknown as GenerateWorkflowRequest, { signal: ctx.signal, policy: runtime.options.callerPolicy, limiter: runtime.options.modelRateLimiter });
      case "execute_generated_workflow": {
        const depth = this.#childDepth(method, ctx.executionId);
        const result = await this.#startAt(depth, (executionId) =>
          executeGeneratedWorkflow(generator, runtime, params as unknown as ExecuteGeneratedRequest, {
            signal: ctx.signal,
            executionId,
            // What a workflow's tool call asks for is a caller's request: it runs under the caller policy, in a sandbox.
            sandboxDir: this.#options.saveDir ?? join(runtime.options.dataDir ?? tmpdir(), "sandbox", "workflow-calls"),
          }),
        );
        const { record, generation, ...rest } = result;
        return { ...rest, ...(record === undefined ? {} : summary(record)), generation: { workflow_name: generation.workflow_name, generator: generation.generator, validation_status: generation.validation_status, workflow_yaml: generation.workflow_yaml } };
      }
      case "execute_workflow": {
        const depth = this.#childDepth(method, ctx.executionId);
        const name = asString(params["workflow_name"]);
        if (name === undefined) throw new ToolError("WFX_TOOL_BAD_ARGS", "execute_workflow needs workflow_name", { hint: "pass params: { workflow_name, input_data?, execution_mode? }" });
        const source = await this.#find(name, asString(params["config_path"]));
        const mode = (asString(params["execution_mode"]) ?? "sync") as ExecutionMode;
        const budget = budgetParam(params["budget"]);
        return this.#startAt(depth, async (executionId) => {
          const started = runtime.start({
            executionId,
            source,
            workflowName: name,
            input: params["input_data"],
            mode,
            signal: ctx.signal,
            ...(typeof params["timeout"] === "number" ? { timeoutS: params["timeout"] } : {}),
            ...given({ configOverride: params["config_override"], budget }),
          });
          return summary(mode === "sync" ? await started.done : started.record);
        });
      }
      case "check_execution_status": {
        const id = asString(params["execution_id"]);
        const record = id === undefined ? undefined : await runtime.status(id);
        return record === undefined ? { execution_id: id, status: "not_found" } : summary(record);
      }
      case "cancel_execution": {
        const id = asString(params["execution_id"]);
        if (id === undefined) throw new ToolError("WFX_TOOL_BAD_ARGS", "cancel_execution needs execution_id", { hint: "pass params: { execution_id }" });
        return runtime.cancel(id, "cancelled by a workflow");
      }
      case "list_workflows": {
        const dir = resolve(this.#options.workflowDir, asString(params["config_path"]) ?? ".");
        return (await listWorkflows(dir, asString(params["pattern"]))).result;
      }
    }
  }

  /** The file holding `name`: `config_path` as a file, else searched for under it (or the workflow folder). */
  async #find(name: string, configPath: string | undefined): Promise<WorkflowSource> {
    const base = resolve(this.#options.workflowDir, configPath ?? ".");
    const isFile = await stat(base).then((s) => s.isFile(), () => false);
    let path = isFile ? base : undefined;
    if (path === undefined) {
      const found = (await listWorkflows(base)).result.workflows.find((w) => w.name === name);
      if (found === undefined) throw new ToolError("WFX_UNKNOWN_WORKFLOW", `no workflow '${name}' under ${base}`, { hint: "call list_workflows to see what exists" });
      path = join(base, found.file);
    }
    return { file: await loadValidWorkflowFile(path, { env: this.#options.runtime.options.env, toolTypes: this.#options.runtime.options.tools.types() }), path };
  }
}
