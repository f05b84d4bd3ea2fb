import { AGENT_BOUNDS } from "./complexity.js";
import { detectRoles, FILLER_ROLES, PHASES, type Role } from "./roles.js";
import type { Complexity } from "./types.js";

/** A generated workflow file, as plain data (the shape `workflow_config` carries). */
export interface WorkflowDraft {
  agents: Record<string, unknown>[];
  tools?: Record<string, unknown>[];
  workflows: Record<string, { description: string; steps: Record<string, unknown>[] }>;
}

export interface TemplatePlan {
  draft: WorkflowDraft;
  /** `reader -> [a, b] -> writer`, for the response message. */
  shape: string;
  /** Role ids the description itself named (the rest fill the level's minimum). */
  detected: string[];
}

/** Tool settings for the types templates use: rooted at the workflow file's folder. */
const TOOL_DECLARATIONS: Readonly<Record<string, Record<string, unknown>>> = {
  filesystem: { description: "Files in the workflow's folder", settings: { root: "." } },
  codebase_indexer: { description: "Source files under the workflow's folder (read-only)", settings: { root: "." } },
};

/** Keeps the roles that matter most when there are more than `max`: the first reader, the last deliverer, one combiner, then analyses. */
function trim(roles: Role[], max: number): Role[] {
  if (roles.length <= max) return roles;
  const of = (phase: Role["phase"]) => roles.filter((r) => r.phase === phase);
  const priority = [of("ingest")[0], of("output").at(-1), of("synthesize")[0], ...of("analyze"), ...of("ingest").slice(1), ...of("synthesize").slice(1), ...of("output").slice(0, -1)].filter((r): r is Role => r !== undefined);
  const keep = new Set(priority.slice(0, max));
  return roles.filter((r) => keep.has(r));
}

/**
 * Adds filler roles (not already present) until there are `min`, then puts everything in pipeline order. A pipeline
 * that lacks a combining or a delivering step gets that first, so padding never just adds another parallel branch.
 */
function pad(roles: Role[], min: number): Role[] {
  const out = [...roles];
  const missing = roles.length === 0 ? [] : FILLER_ROLES.filter((f) => (f.phase === "synthesize" || f.phase === "output") && !roles.some((r) => r.phase === f.phase));
  for (const filler of [...missing, ...FILLER_ROLES]) {
    if (out.length >= min) break;
    if (!out.some((r) => r.id === filler.id || (missing.includes(filler) && r.phase === filler.phase))) out.push(filler);
  }
  return out.map((r, i) => ({ r, i })).sort((a, b) => PHASES.indexOf(a.r.phase) - PHASES.indexOf(b.r.phase) || a.i - b.i).map((x) => x.r);
}

/** Consecutive stages; a stage of several roles runs in parallel. Simple is a line; medium runs analyses side by side; complex also reads in parallel. */
function stagesOf(roles: Role[], complexity: Complexity): Role[][] {
  const parallel = new Set<Role["phase"]>(complexity === "simple" ? [] : complexity === "medium" ? ["analyze"] : ["ingest", "analyze"]);
  const stages: Role[][] = [];
  for (const phase of PHASES) {
    const members = roles.filter((r) => r.phase === phase);
    if (members.length === 0) continue;
    if (parallel.has(phase)) stages.push(members);
    else for (const m of members) stages.push([m]);
  }
  // A pipeline ends in one step, so the result is one answer, not one per branch.
  const last = stages.at(-1);
  if (last !== undefined && last.length > 1) stages.push([last.pop()!]);
  return stages;
}

function inputFor(previous: Role[] | undefined): unknown {
  if (previous === undefined) return "${user_input}";
  if (previous.length === 1) return `\${${previous[0]!.id}.output}`;
  return Object.fromEntries(previous.map((r) => [r.id, `\${${r.id}.output}`]));
}

/**
 * The offline planner: picks roles from the description's words, fits their number to the complexity level
 * (padding or trimming), lays them out as a line or with parallel stages, and gives each only tools the registry
 * has. Deterministic: the same description always gives the same workflow.
 */
export function planFromTemplates(description: string, workflowName: string, complexity: Complexity, toolTypes: readonly string[], reserved: number): TemplatePlan {
  const detected = detectRoles(description);
  const { min, max } = AGENT_BOUNDS[complexity];
  // `reserved` agents come from agents_config and are added later; they count against the level's bounds.
  const room = Math.max(0, max - reserved);
  const roles = pad(trim(detected, room), Math.max(min - reserved, room >= 1 ? 1 : 0));
  const stages = stagesOf(roles, complexity);
  const usedTools = new Set<string>();
  const agents = roles.map((r) => {
    const tools = r.tools.filter((t) => toolTypes.includes(t));
    tools.forEach((t) => usedTools.add(t));
    return {
      id: r.id,
      agent_type: "openai",
      description: r.description,
      system_prompt: `You are ${r.id}. ${r.instructions}\nThe workflow's goal: ${description}`,
      ...(tools.length > 0 ? { tools } : {}),
    };
  });
  const steps: Record<string, unknown>[] = [];
  stages.forEach((stage, i) => {
    for (const r of stage) steps.push({ id: r.id, agent: r.id, input: inputFor(stages[i - 1]) });
  });
  const last = steps.at(-1);
  if (last !== undefined) last["output"] = { to: "user" };
  const draft: WorkflowDraft = { agents, workflows: { [workflowName]: { description, steps } } };
  const tools = [...usedTools].map((type) => ({ id: type, type, ...TOOL_DECLARATIONS[type] }));
  if (tools.length > 0) draft.tools = tools;
  const shape = stages.map((s) => (s.length === 1 ? s[0]!.id : `[${s.map((r) => r.id).join(", ")}]`)).join(" -> ");
  return { draft, shape, detected: detected.map((r) => r.id) };
}
