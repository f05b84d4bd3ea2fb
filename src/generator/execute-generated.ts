import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { checkWorkflowFile } from "../config/index.js";
import { toErrorInfo } from "../errors.js";
import type { ErrorInfo, ExecuteRequest, ExecutionMode, ExecutionRecord, ExecutionStatus, Runtime, WorkflowSource } from "../engine/internal.js";
import type { GenerateWorkflowRequest, GenerateWorkflowResult, GenerationContext, WorkflowGenerator } from "./types.js";
import { given } from "../present.js";

/** `execute_generated_workflow`'s parameters, named as in the source document. */
export interface ExecuteGeneratedRequest extends GenerateWorkflowRequest {
  input_data?: unknown;
  execution_mode?: ExecutionMode;
  /** Seconds. */
  timeout?: number;
}

export interface ExecuteGeneratedOptions {
  signal?: AbortSignal;
  onEvent?: ExecuteRequest["onEvent"];
  /** Save the generated file in this folder first, and run it from there (so `list_workflows` finds it later). */
  saveDir?: string;
  /** The id to give the execution, for a caller that must know it before the first step runs. */
  executionId?: string;
  /**
   * Run it as a caller's workflow (under the runtime's caller policy, no environment) in this folder: for requests that
   * came from a workflow's tool call (a model may have written them), not from the operator.
   */
  sandboxDir?: string;
  /** The nodes it may run on, for its placement; the caller policy is the runtime's when `sandboxDir` is set. */
  nodes?: GenerationContext["nodes"];
}

export interface ExecuteGeneratedResult {
  /** `failed` without an `execution_id` when nothing could be run. */
  status: ExecutionStatus;
  execution_id?: string;
  workflow_name: string;
  execution_mode: ExecutionMode;
  generation: GenerateWorkflowResult;
  /** sync: the final record; async and isolated: the record as started. */
  record?: ExecutionRecord;
  result?: unknown;
  error?: ErrorInfo;
  /** Where the generated file was saved, with `saveDir`. */
  workflow_file?: string;
  message: string;
}

function notRun(generation: GenerateWorkflowResult, mode: ExecutionMode, error: ErrorInfo): ExecuteGeneratedResult {
  return { status: "failed", workflow_name: generation.workflow_name, execution_mode: mode, generation, error, message: `Not executed: ${error.message}` };
}

async function freePath(dir: string, name: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (let n = 1; ; n++) {
    const path = join(dir, n === 1 ? `${name}.yaml` : `${name}-${n}.yaml`);
    if (!existsSync(path)) return path;
  }
}

/**
 * Generates a workflow and runs it, in any mode. When generation gives nothing valid, or the runtime could not run
 * it (no model endpoint for its agents, say), the answer is a clear failure without an execution id — never a fake one.
 */
export async function executeGeneratedWorkflow(generator: WorkflowGenerator, runtime: Runtime, request: ExecuteGeneratedRequest, options: ExecuteGeneratedOptions = {}): Promise<ExecuteGeneratedResult> {
  const mode = request.execution_mode ?? "sync";
  const { input_data: _input, execution_mode: _mode, timeout: _timeout, ...generateRequest } = request;
  const context: GenerationContext = {
    limiter: runtime.options.modelRateLimiter,
    ...given({ signal: options.signal, nodes: options.nodes }),
    ...(options.sandboxDir === undefined ? {} : { policy: runtime.options.callerPolicy }),
  };
  const generation = await generator.generate(generateRequest, context);
  if (generation.validation_status !== "valid") {
    // What the caller policy refuses is refused as such, whether generation or the run found it.
    const denied = generation.validation_errors.length > 0 && generation.validation_errors.every((p) => p.code === "WFX_CALLER_POLICY_DENIED");
    if (denied) return notRun(generation, mode, { code: "WFX_CALLER_POLICY_DENIED", message: generation.validation_errors.map((p) => `${p.path}: ${p.message}`).join("; "), hint: generation.validation_errors[0]!.hint });
    const detail = generation.validation_errors.slice(0, 5).map((p) => `${p.path || "(file)"}: ${p.message}`).join("; ");
    return notRun(generation, mode, { code: "WFX_GENERATION_INVALID", message: `the generated workflow '${generation.workflow_name}' does not validate: ${detail}`, hint: "rephrase the description, or generate it, fix the file and run it with execute_workflow" });
  }
  const { problems, file } = checkWorkflowFile(generation.workflow_config, undefined, { env: runtime.options.env, toolTypes: runtime.options.tools.types(), checkFunctionFiles: false });
  if (file === undefined) {
    return notRun(generation, mode, { code: problems[0]!.code, message: problems.map((p) => p.message).join("; "), hint: problems[0]!.hint });
  }
  const source: WorkflowSource = options.sandboxDir === undefined ? { file } : { file, origin: "caller" };
  const saveDir = options.sandboxDir ?? options.saveDir;
  if (saveDir !== undefined) {
    source.path = await freePath(resolve(saveDir), generation.workflow_name);
    await writeFile(source.path, generation.workflow_yaml, "utf8");
  }
  let started;
  try {
    started = runtime.start({
      source,
      workflowName: generation.workflow_name,
      input: request.input_data,
      mode,
      ...given({ timeoutS: request.timeout, signal: options.signal, onEvent: options.onEvent, executionId: options.executionId }),
    });
  } catch (error) {
    return notRun(generation, mode, toErrorInfo(error));
  }
  const record = mode === "sync" ? await started.done : started.record;
  const ended = record.status !== "running" && record.status !== "pending";
  return {
    status: record.status,
    execution_id: started.executionId,
    workflow_name: generation.workflow_name,
    execution_mode: mode,
    generation,
    record,
    ...given({ result: record.result, error: record.error }),
    ...(source.path === undefined || options.sandboxDir !== undefined ? {} : { workflow_file: source.path }),
    message: ended ? `Generated (${generation.generator}) and ran '${generation.workflow_name}': ${record.status}` : `Generated (${generation.generator}) and started '${generation.workflow_name}' (${mode}); follow it with check_execution_status`,
  };
}
