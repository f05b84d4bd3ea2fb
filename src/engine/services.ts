import type { ActorSystem } from "../actors/index.js";
import { AgentError, DEFAULT_AGENT_OPTIONS, runAgent, type AgentOptions, type ModelRateLimiter } from "../agents/index.js";
import type { LimitsOptions } from "./limits-options.js";
import type { Tool, ToolRegistry } from "../tools/index.js";
import { BUILTIN_TOOL_TYPES, resolveAgentEndpoint, type AgentDef, type CallerPolicy, type EndpointResolution } from "../config/index.js";
import { BudgetMeter, budgetFrom, type ResolvedBudget } from "./budget.js";
import { EngineError } from "./errors.js";
import { agentAccounting } from "./step-accounting.js";
import { emptyUsage, mergeUsage, type Usage } from "./usage.js";
import { fromExecution, type ExecutionSpec } from "./execution-supervisor.js";
import { compilePlan, type ExecutionPlan } from "./plan.js";
import { loadFunction, type FunctionStepContext, type StepServices } from "./step-kinds.js";
import { LocalStepHost, type StepHostFactory } from "./step-host.js";
import { workflowRefOf } from "./step-order.js";
import { StepAllowance } from "./step-allowance.js";
import { TERMINAL_EVENT_TYPES, type ExecutionEvent } from "./types.js";
import { given } from "../present.js";
import { headersOf } from "../observability/trace-context.js";

export interface ServiceDeps {
  system: ActorSystem;
  tools: ToolRegistry;
  node: string;
  env: Record<string, string | undefined>;
  /** for_each cap of every execution (and sub-workflow) run with these deps. */
  limits: Readonly<LimitsOptions>;
  /** Model-call and tool-loop defaults for agent steps. */
  agentOptions?: Readonly<AgentOptions>;
  /** Where agents' model calls wait for their share of endpoints' limits; absent: they go at once. */
  limiter?: ModelRateLimiter;
  /** Where an agent's model lives; default: its config and then `env`. Isolated processes look up what the parent resolved. */
  endpointOf?: (agent: AgentDef) => EndpointResolution;
  /** Set for a workflow a caller sent: the operator's policy bounds its tools (and `env` is empty). */
  caller?: CallerPolicy;
  /** Where step actors run; default: here, as children of their supervisor (see step-host.ts). */
  stepHost?: StepHostFactory;
  /** The node's workflow folders: a step order names its operator's file by its place in them. */
  workflowFolders?: readonly string[];
}

const plans = new WeakMap<object, Map<string, ExecutionPlan>>();
/** Tools are built once per runtime (its registry and env: the deps) and plan, then shared by its executions. */
const toolCache = new WeakMap<ServiceDeps, WeakMap<ExecutionPlan, Map<string, Tool>>>();

/** Plans are compiled once per (file, workflow) and shared by all executions of it. */
export function planFor(file: ExecutionPlan["file"], workflowName: string, filePath?: string): ExecutionPlan {
  let byName = plans.get(file);
  if (!byName) plans.set(file, (byName = new Map()));
  let plan = byName.get(workflowName);
  if (!plan) byName.set(workflowName, (plan = compilePlan(file, workflowName, filePath)));
  return plan;
}

function toolOf(plan: ExecutionPlan, toolId: string, deps: ServiceDeps): Tool {
  const registry = deps.tools;
  let byPlan = toolCache.get(deps);
  if (!byPlan) toolCache.set(deps, (byPlan = new WeakMap()));
  let cache = byPlan.get(plan);
  if (!cache) byPlan.set(plan, (cache = new Map()));
  let tool = cache.get(toolId);
  if (tool) return tool;
  const declared = plan.file.tools?.find((t) => t.id === toolId);
  const context = deps.caller === undefined ? { env: deps.env } : { env: deps.env, caller: deps.caller };
  if (declared) {
    tool = registry.create({ ...declared }, plan.baseDir, context);
  } else if ((BUILTIN_TOOL_TYPES as readonly string[]).includes(toolId)) {
    tool = registry.create({ id: toolId, type: toolId }, plan.baseDir, context);
  } else {
    throw new EngineError("WFX_UNKNOWN_TOOL", `tool '${toolId}' is not declared in the workflow file`, { hint: "declare it under `tools:`" });
  }
  cache.set(toolId, tool);
  return tool;
}

export type SupervisorInput = Omit<ExecutionSpec, "host" | "workflow" | "node" | "env" | "maxForEachItems" | "meter" | "allowance"> & {
  /** The step allowance of the execution enclosing a sub-workflow; a new execution gets the node's maxStepsPerExecution. */
  allowance?: StepAllowance;
  /** The execution's budget, resolved from its workflow, its request and the caller policy (see execution-budget.ts). */
  budget?: ResolvedBudget | undefined;
  /** Budgets of the executions enclosing a sub-workflow: its steps count against them too. */
  outerMeters?: readonly BudgetMeter[];
};

/** The supervisor of one execution run with `deps`: its step host, node and env come from them. */
export function supervisorFor(deps: ServiceDeps, input: SupervisorInput): ReturnType<typeof fromExecution> {
  const { budget, outerMeters = [], allowance = new StepAllowance(deps.limits.maxStepsPerExecution), ...spec } = input;
  // One meter per execution, shared by all its steps in this process (a sub-workflow adds its own to its parent's).
  const meter = budget === undefined ? undefined : new BudgetMeter(budget);
  const meters = meter === undefined ? outerMeters : [...outerMeters, meter];
  const local = new LocalStepHost(spec.plan, servicesFor(spec.plan, deps, meters, allowance));
  const host = deps.stepHost === undefined ? local : deps.stepHost(local);
  const workflow = workflowRefOf(spec.plan, deps.caller === undefined ? "operator" : "caller", deps.workflowFolders);
  return fromExecution({ ...spec, host, workflow, node: deps.node, env: deps.env, maxForEachItems: deps.limits.maxForEachItems, allowance, ...given({ meter }) });
}

/**
 * The services steps of `plan` use: function modules, tools of the plan's file, and sub-workflows run as child
 * supervisors. `meters`: the budgets in force here (a step ordered from another node runs under its agent's only);
 * `allowance`: the execution's step allowance, which its sub-workflows share (a step ordered from another node: its own).
 */
export function servicesFor(plan: ExecutionPlan, deps: ServiceDeps, meters: readonly BudgetMeter[] = [], allowance = new StepAllowance(deps.limits.maxStepsPerExecution)): StepServices {
  return {
    loadFunction,
    tool: (toolId) => toolOf(plan, toolId, deps),
    runWorkflow: (workflowName, input, ctx) => runSubWorkflow(plan, workflowName, input, ctx, deps, { meters, allowance }),
    runAgent: (agentId, tools, input, ctx) => runAgentStep(plan, agentId, tools, input, ctx, deps, meters),
  };
}

/** Where a step's counts go: its own usage when the step context keeps one (always, in a step actor). */
function usageOf(ctx: FunctionStepContext): Usage {
  return ctx.meterUsage?.() ?? emptyUsage();
}

function runAgentStep(plan: ExecutionPlan, agentId: string, toolIds: readonly string[] | undefined, input: unknown, ctx: FunctionStepContext, deps: ServiceDeps, meters: readonly BudgetMeter[]): Promise<unknown> {
  const agent = plan.file.agents?.find((a) => a.id === agentId);
  if (!agent) throw new EngineError("WFX_UNKNOWN_AGENT", `agent '${agentId}' is not declared in the workflow file`, { hint: "declare it under `agents:`" });
  const resolved = deps.endpointOf?.(agent) ?? resolveAgentEndpoint(agent, deps.env);
  if ("problem" in resolved) throw new AgentError("WFX_AGENT_NO_ENDPOINT", resolved.problem.message, { hint: resolved.problem.hint });
  const endpoint = resolved.endpoint;
  const tools = (toolIds ?? agent.tools ?? []).map((id) => toolOf(plan, id, deps));
  const own = budgetFrom(agent.budget, `agent '${agent.id}'`);
  const accounting = agentAccounting(usageOf(ctx), own === undefined ? meters : [new BudgetMeter(own), ...meters]);
  return runAgent({ agent, endpoint, tools, input, options: deps.agentOptions ?? DEFAULT_AGENT_OPTIONS, signal: ctx.signal, progress: (data) => ctx.progress(data), executionId: ctx.executionId, accounting, ...given({ trace: ctx.trace, limiter: deps.limiter }) });
}

/** What a sub-workflow shares with the execution enclosing it: its budgets and its step allowance. */
interface Enclosing {
  meters: readonly BudgetMeter[];
  allowance: StepAllowance;
}

function runSubWorkflow(parent: ExecutionPlan, workflowName: string, input: unknown, ctx: FunctionStepContext, deps: ServiceDeps, enclosing: Enclosing): Promise<unknown> {
  const plan = planFor(parent.file, workflowName, parent.filePath);
  return new Promise((resolve, reject) => {
    const reporter = {
      address: `sub:${ctx.executionId}/${ctx.stepId}`,
      tell(event: ExecutionEvent) {
        const data = event.data as { result?: unknown; usage?: Usage; error?: { code: `WFX_${string}`; message: string; hint?: string } } | undefined;
        // The sub-workflow's steps are this step's work: their counts travel with this step's result.
        if (TERMINAL_EVENT_TYPES.has(event.type) && data?.usage !== undefined) mergeUsage(usageOf(ctx), { ...data.usage, cpu_ms: undefined });
        if (event.type === "execution.completed") resolve(data?.result);
        else if (TERMINAL_EVENT_TYPES.has(event.type)) {
          const error = data?.error;
          reject(new EngineError(error?.code ?? "WFX_SUBWORKFLOW_FAILED", `sub-workflow '${workflowName}': ${error?.message ?? event.type}`, { ...(error?.hint === undefined ? {} : { hint: error.hint }) }));
        } else if (event.type !== "execution.progress" && event.type !== "execution.started") {
          ctx.progress({ workflow: workflowName, event: event.type, step: event.step });
        }
      },
    };
    const child = deps.system.spawn(
      supervisorFor(deps, { executionId: `${ctx.executionId}/${ctx.stepId}`, plan, input, reporter, timeoutMs: plan.timeoutMs, budget: budgetFrom(plan.budget, `workflow '${workflowName}'`), outerMeters: enclosing.meters, allowance: enclosing.allowance, ...given({ trace: ctx.trace && headersOf(ctx.trace) }) }),
    );
    ctx.signal.addEventListener("abort", () => child.tell({ type: "cancel", reason: "parent step stopped" }), { once: true });
  });
}
