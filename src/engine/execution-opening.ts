import { adjustWorkflowFile, type CallerPolicy, type WorkflowFile } from "../config/index.js";
import type { ResolvedBudget } from "./budget.js";
import { EngineError } from "./errors.js";
import type { ExecuteRequest, WorkflowSource } from "./execution-client.js";
import { resolveExecutionBudget } from "./execution-budget.js";
import type { ExecutionPlan } from "./plan.js";
import { planFor } from "./services.js";

export function defaultWorkflowName(file: WorkflowFile): string {
  const names = Object.keys(file.workflows);
  if (names.length === 0) throw new EngineError("WFX_NO_WORKFLOWS", "the file defines no workflows", { hint: "add a `workflows:` section" });
  return names[0]!;
}

/** An execute request made concrete, once, wherever it then runs: its file with environment and overrides laid over, its plan and budget. */
export interface OpenedExecution {
  request: ExecuteRequest;
  source: WorkflowSource;
  /** The environment whose section was laid over the file (the request's, else the node's WFX_ENV). */
  environment: string | undefined;
  workflowName: string;
  plan: ExecutionPlan;
  budget: ResolvedBudget | undefined;
  fromCaller: boolean;
  /** Whether the opening checked the source (the caller policy); else whoever starts it must. */
  checked: boolean;
}

export interface OpeningContext {
  env: Record<string, string | undefined>;
  /** The caller policy's max_budget caps what a caller may ask for. */
  callerPolicy: Pick<CallerPolicy, "max_budget">;
  /** Checks the adjusted source before it is planned (the caller policy, for a caller's workflow). */
  check?: (source: WorkflowSource) => void;
}

/** The opening every start shares: environment and overrides, the workflow's name, its plan, the budget it runs under. */
export function openExecution(request: ExecuteRequest, ctx: OpeningContext): OpenedExecution {
  const environment = request.environment ?? ctx.env["WFX_ENV"];
  const file = adjustWorkflowFile(request.source.file, { environment, configOverride: request.configOverride }, request.source.path);
  const source: WorkflowSource = file === request.source.file ? request.source : { ...request.source, file };
  const fromCaller = source.origin === "caller";
  ctx.check?.(source);
  const workflowName = request.workflowName ?? defaultWorkflowName(source.file);
  const plan = planFor(source.file, workflowName, source.path);
  const budget = resolveExecutionBudget({ workflowName, workflow: plan.budget, request: request.budget, cap: ctx.callerPolicy.max_budget, fromCaller });
  return { request, source, environment, workflowName, plan, budget, fromCaller, checked: ctx.check !== undefined };
}
