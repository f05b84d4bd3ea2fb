import { resolveAgentEndpoint } from "./agent-endpoint.js";
import { TOOL_TYPES_NEEDING_DECLARATION } from "./builtin-tools.js";
import { findCycles, type Edge } from "./graph.js";
import { REFERENCE_ROOTS } from "./reference.js";
import { ID_PATTERN, STEP_KINDS, stepKindMessage, type FunctionRef } from "./schema.js";
import { stepIdOf } from "./step-id.js";
import { AGENT_FIELDS_FILLED_IN, substituteSecretsDeep } from "./secrets.js";
import { suggestionHint } from "./suggest.js";
import { asArray, asRecord, asString, type CheckContext } from "./validate-context.js";
import { checkFunctionModule } from "./validate-function.js";
import { checkCondition, checkTemplateValue, type StepScope } from "./validate-refs.js";
import { formatYamlPath, type YamlPath } from "./yaml-location.js";

/** A `workflow:` step: an edge of the sub-workflow call graph. */
export interface WorkflowCall {
  from: string;
  to: string;
  path: YamlPath;
}

const RESERVED = new Set<string>(REFERENCE_ROOTS);

function isFunctionRef(value: unknown): value is FunctionRef {
  return typeof value === "string" || asString(asRecord(value)?.["module"]) !== undefined;
}

/** Step ids in file order (explicit or derived), as the engine will compute them. */
function idsOf(steps: unknown[]): string[] {
  return steps.map((raw, i) => {
    const s = asRecord(raw) ?? {};
    const pick = (k: string) => asString(s[k]);
    const fn = s["function"];
    const step = { id: pick("id"), agent: pick("agent"), tool: pick("tool"), workflow: pick("workflow"), function: isFunctionRef(fn) ? fn : undefined };
    return stepIdOf(step as Parameters<typeof stepIdOf>[0], i);
  });
}

/** Transitive explicit depends_on of each step (known ids only). */
function ancestorsOf(ids: string[], dependsOn: string[][]): Set<string>[] {
  const byId = new Map<string, number>();
  ids.forEach((id, i) => byId.has(id) || byId.set(id, i));
  return ids.map((_, start) => {
    const seen = new Set<string>();
    const todo = [...dependsOn[start]!];
    while (todo.length > 0) {
      const id = todo.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const at = byId.get(id);
      if (at !== undefined) todo.push(...dependsOn[at]!);
    }
    return seen;
  });
}

function checkStepKind(step: Record<string, unknown>, path: YamlPath, ctx: CheckContext): void {
  const kinds = STEP_KINDS.filter((k) => step[k] !== undefined);
  if (kinds.length !== 1) ctx.sink.report("WFX_STEP_KIND", path, stepKindMessage(kinds), "give the step exactly one of agent:, tool:, function: or workflow:");
}

/** A tool named by a step or an agent: a declared id, or a built-in type usable without a declaration. */
export function checkToolReference(name: unknown, path: YamlPath, ctx: CheckContext): void {
  const tool = asString(name);
  if (tool === undefined) return;
  const { toolIds, toolTypes } = ctx.catalog;
  if (toolIds.includes(tool)) return;
  if (toolTypes.includes(tool)) return checkBareType(tool, path, ctx);
  ctx.sink.report("WFX_UNKNOWN_TOOL", path, `unknown tool '${tool}'`, suggestionHint(tool, [...toolIds, ...toolTypes], "tools (declared ids and built-in types)"));
}

/** A built-in type named directly (not declared) must be usable without settings of its own. */
function checkBareType(type: string, path: YamlPath, ctx: Pick<CheckContext, "sink">): void {
  if (!TOOL_TYPES_NEEDING_DECLARATION.includes(type)) return;
  ctx.sink.report("WFX_MISSING_FIELD", path, `tool type '${type}' needs a declaration of its own (which server to call)`, `declare it under tools: with an id, type: ${type} and mcp_url (or command), and name that id here`);
}

/** With an environment to check against, an agent step needs a model endpoint: never faked at run time. */
function checkAgentEndpoint(agentId: string, path: YamlPath, ctx: CheckContext): void {
  const env = ctx.options.env;
  const agent = ctx.catalog.agents.get(agentId);
  if (env === undefined || agent === undefined) return;
  // An endpoint field naming an unset variable is reported where it is written (WFX_ENV_UNSET), once.
  if (substituteSecretsDeep(AGENT_FIELDS_FILLED_IN.map((f) => agent[f]), env).missing.length > 0) return;
  const resolved = resolveAgentEndpoint({ id: agentId, base_url: asString(agent["base_url"]), api_key: asString(agent["api_key"]), model: asString(agent["model"]) }, env);
  if ("problem" in resolved) ctx.sink.report("WFX_AGENT_NO_ENDPOINT", path, resolved.problem.message, resolved.problem.hint);
}

/** Checks one workflow's steps; returns its sub-workflow calls for the recursion check. */
export function checkWorkflowSteps(name: string, workflow: Record<string, unknown>, path: YamlPath, ctx: CheckContext): WorkflowCall[] {
  const steps = asArray(workflow["steps"]);
  const ids = idsOf(steps);
  const firstIndexOf = new Map<string, number>();
  const dependsOn = steps.map((raw) => asArray(asRecord(raw)?.["depends_on"]).filter((d): d is string => typeof d === "string"));
  const ancestors = ancestorsOf(ids, dependsOn);
  const edges = new Map<string, Edge<YamlPath>[]>();
  const calls: WorkflowCall[] = [];
  const { sink, catalog, options } = ctx;

  steps.forEach((raw, index) => {
    const step = asRecord(raw);
    const stepPath = [...path, "steps", index];
    const id = ids[index]!;
    if (step === undefined) return;
    const explicit = asString(step["id"]) !== undefined;
    const idPath = explicit ? [...stepPath, "id"] : stepPath;
    const first = firstIndexOf.get(id);
    if (first !== undefined) {
      const how = explicit ? "rename one of them" : "a step without id: takes its agent, tool, sub-workflow or function name; give this one an explicit id:";
      sink.report("WFX_DUPLICATE_ID", idPath, `duplicate step id '${id}' (also ${formatYamlPath([...path, "steps", first])})`, how);
    } else {
      firstIndexOf.set(id, index);
    }
    if (RESERVED.has(id)) sink.report("WFX_RESERVED_STEP_ID", idPath, `step id '${id}' is reserved for \${${id}…} references`, "rename the step, e.g. id: read_input");
    else if (!explicit && !ID_PATTERN.test(id)) sink.report("WFX_INVALID_ID", stepPath, `this step's id '${id}' (taken from its ${STEP_KINDS.find((k) => step[k] !== undefined) ?? "definition"}) cannot be used in references`, "give the step an explicit id: using letters, digits, '_' and '-'");
    checkStepKind(step, stepPath, ctx);
  });

  steps.forEach((raw, index) => {
    const step = asRecord(raw);
    if (step === undefined) return;
    const stepPath = [...path, "steps", index];
    const id = ids[index]!;
    const out: Edge<YamlPath>[] = edges.get(id) ?? [];
    edges.set(id, out);

    const agent = asString(step["agent"]);
    if (agent !== undefined) {
      if (!options.allowAgentSteps) {
        sink.report("WFX_AGENT_STEPS_UNAVAILABLE", [...stepPath, "agent"], "agent steps are switched off for this validation", "use a tool: or function: step, or validate with agent steps allowed");
      }
      if (!catalog.agentIds.includes(agent)) sink.report("WFX_UNKNOWN_AGENT", [...stepPath, "agent"], `unknown agent '${agent}'`, suggestionHint(agent, catalog.agentIds, "agents", "declare it under agents: with an id"));
      else if (options.allowAgentSteps) checkAgentEndpoint(agent, [...stepPath, "agent"], ctx);
    }
    checkToolReference(step["tool"], [...stepPath, "tool"], ctx);
    asArray(step["tools"]).forEach((t, j) => checkToolReference(t, [...stepPath, "tools", j], ctx));
    if (step["tools"] !== undefined && agent === undefined) sink.report("WFX_INVALID_VALUE", [...stepPath, "tools"], "tools: only applies to agent steps", "remove tools:, or pass what the tool needs in args:");
    const sub = asString(step["workflow"]);
    if (sub !== undefined) {
      if (!catalog.workflowNames.includes(sub)) sink.report("WFX_UNKNOWN_WORKFLOW", [...stepPath, "workflow"], `unknown workflow '${sub}'`, suggestionHint(sub, catalog.workflowNames, "workflows"));
      else calls.push({ from: name, to: sub, path: [...stepPath, "workflow"] });
    }
    if (isFunctionRef(step["function"])) checkFunctionModule(step["function"], [...stepPath, "function"], ctx);

    asArray(step["depends_on"]).forEach((dep, j) => {
      if (typeof dep !== "string") return;
      const depPath = [...stepPath, "depends_on", j];
      if (!firstIndexOf.has(dep)) sink.report("WFX_UNKNOWN_STEP", depPath, `unknown step '${dep}'`, suggestionHint(dep, ids, "steps"));
      else out.push({ to: dep, via: depPath });
    });

    const scope = (inLoop: boolean): StepScope => ({
      index,
      id,
      inLoop,
      ancestors: ancestors[index]!,
      stepIds: ids,
      firstIndexOf,
      reads: (target, at) => out.push({ to: target, via: at }),
    });
    const looped = step["for_each"] !== undefined;
    checkTemplateValue(step["for_each"], [...stepPath, "for_each"], scope(false), ctx);
    checkTemplateValue(step["input"], [...stepPath, "input"], scope(looped), ctx);
    checkTemplateValue(step["args"], [...stepPath, "args"], scope(looped), ctx);
    checkCondition(step["when"], [...stepPath, "when"], scope(false), ctx);
    if (step["concurrency"] !== undefined && !looped) sink.report("WFX_INVALID_VALUE", [...stepPath, "concurrency"], "concurrency only applies to for_each steps", "add for_each:, or remove concurrency:");

    const to = asString(asRecord(step["output"])?.["to"]);
    if (to !== undefined && to !== "user" && !firstIndexOf.has(to)) {
      sink.report("WFX_UNKNOWN_STEP", [...stepPath, "output", "to"], `unknown step '${to}'`, `use to: user, or ${suggestionHint(to, ids, "steps")}`);
    }
  });

  for (const cycle of findCycles(ids, edges)) {
    sink.report("WFX_DEPENDENCY_CYCLE", cycle.closing.via, `steps depend on each other in a cycle: ${cycle.nodes.join(" -> ")}`, "remove one of these dependencies (depends_on entries or ${<step>.output} references)");
  }
  return calls;
}
