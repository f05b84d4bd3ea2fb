import type { ActorSystem } from "../actors/index.js";
import { AgentError, DEFAULT_AGENT_OPTIONS, runAgent, type AgentOptions } from "../agents/index.js";
import type { LimitsOptions } from "./limits-options.js";
import type { Tool, ToolRegistry } from "../tools/index.js";
import { BUILTIN_TOOL_TYPES, resolveAgentEndpoint, type AgentDef, type CallerPolicy, type EndpointResolution } from "../config/index.js";
import { EngineError } from "./errors.js";
import { fromExecution, type ExecutionSpec } from "./execution-supervisor.js";
import { compilePlan, type ExecutionPlan } from "./plan.js";
import { loadFunction, type FunctionStepContext, type StepServices } from "./step-kinds.js";
import { LocalStepHost, type StepHostFactory } from "./step-host.js";
import { workflowRefOf } from "./step-order.js";
import { TERMINAL_EVENT_TYPES, type ExecutionEvent } from "./types.js";

export interface ServiceDeps {
  system: ActorSystem;
  tools: ToolRegistry;
  node: string;
  env: Record<string, string | undefined>;
  /** for_each cap of every execution (and sub-workflow) run with these deps. */
  limits: Readonly<LimitsOptions>;
  /** Model-call and tool-loop defaults for agent steps. */
  agentOptions?: Readonly<AgentOptions>;
  /** Where an agent's model lives; default: its config and then `env`. Isolated processes look up what the parent resolved. */
  endpointOf?: (agent: AgentDef) => EndpointResolution;
  /** Set for a workflow a caller sent: the operator's policy bounds its tools (and `env` is empty). */
  caller?: CallerPolicy;
  /** Where step actors run; default: here, as children of their supervisor (see step-host.ts). */
  stepHost?: StepHostFactory;
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

/** The supervisor of one execution run with `deps`: its step host, node and env come from them. */
export function supervisorFor(deps: ServiceDeps, spec: Omit<ExecutionSpec, "host" | "workflow" | "node" | "env" | "maxForEachItems">): ReturnType<typeof fromExecution> {
  const local = new LocalStepHost(spec.plan, servicesFor(spec.plan, deps));
  const host = deps.stepHost === undefined ? local : deps.stepHost(local);
  const workflow = workflowRefOf(spec.plan, deps.caller === undefined ? "operator" : "caller");
  return fromExecution({ ...spec, host, workflow, node: deps.node, env: deps.env, maxForEachItems: deps.limits.maxForEachItems });
}

/** The services steps of `plan` use: function modules, tools of the plan's file, and sub-workflows run as child supervisors. */
export function servicesFor(plan: ExecutionPlan, deps: ServiceDeps): StepServices {
  return {
    loadFunction,
    tool: (toolId) => toolOf(plan, toolId, deps),
    runWorkflow: (workflowName, input, ctx) => runSubWorkflow(plan, workflowName, input, ctx, deps),
    runAgent: (agentId, tools, input, ctx) => runAgentStep(plan, agentId, tools, input, ctx, deps),
  };
}

function runAgentStep(plan: ExecutionPlan, agentId: string, toolIds: readonly string[] | undefined, input: unknown, ctx: FunctionStepContext, deps: ServiceDeps): Promise<unknown> {
  const agent = plan.file.agents?.find((a) => a.id === agentId);
  if (!agent) throw new EngineError("WFX_UNKNOWN_AGENT", `agent '${agentId}' is not declared in the workflow file`, { hint: "declare it under `agents:`" });
  const resolved = deps.endpointOf?.(agent) ?? resolveAgentEndpoint(agent, deps.env);
  if ("problem" in resolved) throw new AgentError("WFX_AGENT_NO_ENDPOINT", resolved.problem.message, { hint: resolved.problem.hint });
  const endpoint = resolved.endpoint;
  const tools = (toolIds ?? agent.tools ?? []).map((id) => toolOf(plan, id, deps));
  return runAgent({ agent, endpoint, tools, input, options: deps.agentOptions ?? DEFAULT_AGENT_OPTIONS, signal: ctx.signal, progress: (data) => ctx.progress(data), executionId: ctx.executionId });
}

function runSubWorkflow(parent: ExecutionPlan, workflowName: string, input: unknown, ctx: FunctionStepContext, deps: ServiceDeps): Promise<unknown> {
  const plan = planFor(parent.file, workflowName, parent.filePath);
  return new Promise((resolve, reject) => {
    const reporter = {
      address: `sub:${ctx.executionId}/${ctx.stepId}`,
      tell(event: ExecutionEvent) {
        const data = event.data as { result?: unknown; error?: { code: `WFX_${string}`; message: string; hint?: string } } | undefined;
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
      supervisorFor(deps, { executionId: `${ctx.executionId}/${ctx.stepId}`, plan, input, reporter, timeoutMs: plan.timeoutMs }),
    );
    ctx.signal.addEventListener("abort", () => child.tell({ type: "cancel", reason: "parent step stopped" }), { once: true });
  });
}
