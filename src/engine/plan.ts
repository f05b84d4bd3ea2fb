import { resolve as resolvePath, dirname } from "node:path";
import type { Budget, Placement, WorkflowFile, StepDef, WorkflowDef } from "../config/index.js";
import { compileTemplate, compileCondition, parseFunctionRef, stepIdOf } from "../config/index.js";
import type { CompiledTemplate } from "../config/index.js";
import type { BackoffPolicy, SupervisionPolicy } from "../actors/index.js";
import { STOP_POLICY } from "../actors/internal.js";
import { EngineError } from "./errors.js";

/** What a step does, as data any node can read: a function's `module` is as written, relative to the workflow file. */
export type StepActionData =
  | { kind: "function"; module: string; exportName: string }
  | { kind: "tool"; toolId: string }
  | { kind: "workflow"; workflowName: string }
  /** `tools`: the step's own `tools:` list, replacing the agent's. */
  | { kind: "agent"; agentId: string; tools?: readonly string[] };

/** A step's action resolved on the node that runs it: a function's module by its absolute path there. */
export type StepAction = Exclude<StepActionData, { kind: "function" }> | { kind: "function"; modulePath: string; exportName: string };

/** Resolves an action against the folder the workflow file is in on this node. */
export function resolveAction(action: StepActionData, baseDir: string): StepAction {
  return action.kind === "function" ? { kind: "function", modulePath: resolvePath(baseDir, action.module), exportName: action.exportName } : action;
}

/** One step of a compiled plan: everything the engine needs at run time, with templates compiled. */
export interface PlannedStep {
  id: string;
  index: number;
  /** What it does, resolved on this node. */
  action: StepAction;
  /** The same as data, for the step orders sent to whichever node runs the step. */
  actionData: StepActionData;
  /** The step's `input` (or `args` for tool steps), compiled. */
  input: CompiledTemplate;
  when: { evaluate(scope: import("../config/index.js").TemplateScope): boolean } | undefined;
  forEach: CompiledTemplate | undefined;
  concurrency: number;
  /** A retry is a restart of the step's actor; without `retry` a failed step stops. Built once per plan. */
  supervision: SupervisionPolicy;
  /** May run again when a crash cut it short: `idempotent:`, else `retry:` set, else true for agent steps only. */
  rerunnable: boolean;
  timeoutMs: number | undefined;
  /** Indexes of the steps this one waits for. */
  deps: number[];
  /** Indexes of the steps that wait for this one. */
  dependents: number[];
  toUser: boolean;
  /** The step just before it in file order, for `${previous_output}`. */
  previous: number | undefined;
  /** The step's `placement:`, as parsed: where its actor should run (undefined: wherever the host puts it). */
  placement: Placement | undefined;
}

/** One step of the graph watchers draw: its id, kind, what it waits for, whether it fans out. */
export interface GraphStep {
  id: string;
  kind: StepActionData["kind"];
  deps: readonly string[];
  for_each?: true;
}

export interface ExecutionPlan {
  workflowName: string;
  description: string | undefined;
  steps: PlannedStep[];
  stepIndex: ReadonlyMap<string, number>;
  /** The step graph, built once per plan: every execution.started event carries it. */
  graph: readonly GraphStep[];
  timeoutMs: number | undefined;
  /** The workflow's `placement:`, as parsed: where its supervisor should run. */
  placement: Placement | undefined;
  /** The workflow's `budget:`, as written (a request may lower it). */
  budget: Budget | undefined;
  /** Folder of the workflow file: function modules and tool roots resolve against it. */
  baseDir: string;
  file: WorkflowFile;
  filePath: string | undefined;
}


/** An agent step without `input` answers the previous step's output, or the user's input when it comes first. */
function defaultAgentInput(action: StepAction, index: number): string | undefined {
  if (action.kind !== "agent") return undefined;
  return index === 0 ? "${user_input}" : "${previous_output}";
}

function actionOf(step: StepDef): StepActionData {
  if (step.function !== undefined) {
    const ref = parseFunctionRef(step.function);
    return { kind: "function", module: ref.module, exportName: ref.export };
  }
  if (step.tool !== undefined) return { kind: "tool", toolId: step.tool };
  if (step.workflow !== undefined) return { kind: "workflow", workflowName: step.workflow };
  if (step.agent !== undefined) return step.tools === undefined ? { kind: "agent", agentId: step.agent } : { kind: "agent", agentId: step.agent, tools: step.tools };
  throw new EngineError("WFX_BAD_STEP", "step has no agent, tool, function or workflow", { hint: "validate the file with `wfx validate`" });
}

function supervisionOf(step: StepDef): SupervisionPolicy {
  if (!step.retry || step.retry.max <= 0) return STOP_POLICY;
  const { max, backoff_ms, max_backoff_ms, multiplier, jitter } = step.retry;
  const backoff: BackoffPolicy = { initialMs: backoff_ms, maxMs: max_backoff_ms, multiplier, jitter };
  return { kind: "restart", maxRestarts: max, withinMs: Number.POSITIVE_INFINITY, backoff };
}

/** Compiles one workflow of a validated file into a plan; the plan is immutable and shared by every execution of it. */
export function compilePlan(file: WorkflowFile, workflowName: string, filePath?: string): ExecutionPlan {
  // Own keys only: a caller's `constructor` must not find Object's.
  const workflow: WorkflowDef | undefined = Object.hasOwn(file.workflows, workflowName) ? file.workflows[workflowName] : undefined;
  if (!workflow) {
    throw new EngineError("WFX_UNKNOWN_WORKFLOW", `workflow '${workflowName}' is not defined`, {
      hint: `known workflows: ${Object.keys(file.workflows).join(", ") || "(none)"}`,
    });
  }
  const baseDir = filePath ? dirname(resolvePath(filePath)) : process.cwd();
  const ids = workflow.steps.map((step, i) => stepIdOf(step, i));
  const stepIndex = new Map(ids.map((id, i) => [id, i]));
  const steps: PlannedStep[] = workflow.steps.map((step, index) => {
    const actionData = actionOf(step);
    const action = resolveAction(actionData, baseDir);
    const input = compileTemplate(action.kind === "tool" ? (step.args ?? step.input ?? {}) : (step.input ?? defaultAgentInput(action, index)));
    const when = step.when === undefined ? undefined : compileCondition(step.when);
    const forEach = step.for_each === undefined ? undefined : compileTemplate(step.for_each);
    const referenced = new Set<number>();
    for (const template of [input, forEach, when]) {
      for (const ref of template?.refs ?? []) {
        if (ref.kind === "step" && ref.step !== undefined && stepIndex.has(ref.step)) referenced.add(stepIndex.get(ref.step)!);
        if (ref.kind === "previous_output" && index > 0) referenced.add(index - 1);
      }
    }
    // Steps run in file order unless depends_on or a step reference says otherwise.
    const explicit = step.depends_on?.map((id) => stepIndex.get(id)!).filter((i) => i !== undefined);
    const deps = explicit !== undefined || referenced.size > 0
      ? [...new Set([...(explicit ?? []), ...referenced])]
      : index > 0 ? [index - 1] : [];
    return {
      id: ids[index]!,
      index,
      action,
      actionData,
      input,
      when,
      forEach,
      concurrency: step.concurrency ?? 8,
      supervision: supervisionOf(step),
      rerunnable: step.idempotent ?? ((step.retry !== undefined && step.retry.max > 0) || action.kind === "agent"),
      timeoutMs: step.timeout === undefined ? undefined : step.timeout * 1000,
      deps,
      dependents: [],
      toUser: step.output?.to === "user",
      previous: index > 0 ? index - 1 : undefined,
      placement: step.placement,
    };
  });
  for (const step of steps) for (const dep of step.deps) steps[dep]!.dependents.push(step.index);
  // Frozen all through, so the stores can serialise it once per plan (see store/stored-json.ts).
  const graph = Object.freeze(steps.map((s): GraphStep => Object.freeze({ id: s.id, kind: s.actionData.kind, deps: Object.freeze(s.deps.map((i) => steps[i]!.id)), ...(s.forEach === undefined ? {} : { for_each: true as const }) })));
  return {
    workflowName,
    description: workflow.description,
    steps,
    stepIndex,
    graph,
    timeoutMs: workflow.timeout === undefined ? undefined : workflow.timeout * 1000,
    placement: workflow.placement,
    budget: workflow.budget,
    baseDir,
    file,
    filePath,
  };
}
