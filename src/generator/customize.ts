import { AgentObjectSchema, isRecord, ToolDefSchema, TOOL_TYPES_NEEDING_DECLARATION } from "../config/index.js";
import { AGENT_BOUNDS, boundsText } from "./complexity.js";
import type { WorkflowDraft } from "./template-planner.js";
import type { Complexity, GenerateWorkflowRequest, GenerationProblem } from "./types.js";

export interface Customized {
  problems: GenerationProblem[];
  /** What was changed, for the response message. */
  notes: string[];
}

function zodProblems(prefix: string, issues: readonly { path: PropertyKey[]; message: string }[], hint: string): GenerationProblem[] {
  return issues.map((i) => ({ code: "WFX_INVALID_VALUE", path: [prefix, ...i.path.map(String)].join("."), message: i.message, hint }));
}

/** `tools_config`: each entry becomes (or replaces) a declared tool; generated agents are offered it. */
export function applyToolsConfig(draft: WorkflowDraft, request: GenerateWorkflowRequest, out: Customized): void {
  const added: string[] = [];
  for (const [id, def] of Object.entries(request.tools_config ?? {})) {
    const parsed = ToolDefSchema.safeParse({ ...(isRecord(def) ? def : {}), id });
    if (!parsed.success) {
      out.problems.push(...zodProblems(`tools_config.${id}`, parsed.error.issues, "a tool needs type: and the keys of that type (mcp_url, headers, settings, …)"));
      continue;
    }
    draft.tools = [...(draft.tools ?? []).filter((t) => t["id"] !== id), parsed.data];
    added.push(id);
  }
  if (added.length === 0) return;
  // Agents whose agents_config lists their tools keep exactly that list.
  const configured = new Set(Object.entries(request.agents_config ?? {}).filter(([, c]) => isRecord(c) && c["tools"] !== undefined).map(([id]) => id));
  for (const agent of draft.agents) {
    if (configured.has(String(agent["id"]))) continue;
    agent["tools"] = [...new Set([...((agent["tools"] as string[] | undefined) ?? []), ...added])];
  }
  out.notes.push(`added tool${added.length === 1 ? "" : "s"} ${added.join(", ")} (offered to the agents without a tools list of their own in agents_config)`);
}

/** The main workflow of a draft: the first one. */
export function mainWorkflow(draft: WorkflowDraft): { name: string; steps: Record<string, unknown>[] } {
  const name = Object.keys(draft.workflows)[0]!;
  return { name, steps: draft.workflows[name]!.steps };
}

/**
 * `agents_config`: an entry for an agent the draft has overrides its fields; an entry for a new agent adds it, with a
 * step at the end of the main workflow that takes over the final answer. Tool types that need a declaration of their
 * own (mcpremote) and have none are left out, with a note, rather than producing a workflow that cannot run.
 */
export function applyAgentsConfig(draft: WorkflowDraft, request: GenerateWorkflowRequest, out: Customized): void {
  const declared = new Set((draft.tools ?? []).map((t) => String(t["id"])));
  for (const [id, raw] of Object.entries(request.agents_config ?? {})) {
    const { id: _ignored, ...config }: Record<string, unknown> = isRecord(raw) ? { ...raw } : {};
    if (Array.isArray(config["tools"])) {
      const dropped = (config["tools"] as unknown[]).filter((t) => typeof t === "string" && TOOL_TYPES_NEEDING_DECLARATION.includes(t) && !declared.has(t));
      if (dropped.length > 0) {
        config["tools"] = (config["tools"] as unknown[]).filter((t) => !dropped.includes(t));
        out.notes.push(`left ${dropped.join(", ")} out of agent ${id}'s tools: declare one in tools_config (with its mcp_url) to use it`);
      }
    }
    const existing = draft.agents.find((a) => a["id"] === id);
    const merged = { id, ...(existing ?? { agent_type: "openai", system_prompt: `You are ${id}.${typeof config["description"] === "string" ? ` ${config["description"]}` : ""}` }), ...config };
    const parsed = AgentObjectSchema.safeParse(merged);
    if (!parsed.success) {
      out.problems.push(...zodProblems(`agents_config.${id}`, parsed.error.issues, "agents_config entries take agent keys: model, system_prompt, tools, temperature, timeout, …"));
      continue;
    }
    if (existing !== undefined) {
      Object.assign(existing, config);
      out.notes.push(`applied agents_config to ${id}`);
      continue;
    }
    draft.agents.push(merged);
    const { steps } = mainWorkflow(draft);
    const last = steps.at(-1);
    if (last !== undefined) delete last["output"];
    steps.push({ id, agent: id, input: last === undefined ? "${user_input}" : `\${${String(last["id"])}.output}`, output: { to: "user" } });
    out.notes.push(`added agent ${id} from agents_config as the last step`);
  }
}

/** The complexity level's agent count, checked on the finished draft whoever wrote it. */
export function boundsProblem(draft: WorkflowDraft, complexity: Complexity): GenerationProblem | undefined {
  const count = Array.isArray(draft.agents) ? draft.agents.length : 0;
  const { min, max } = AGENT_BOUNDS[complexity];
  if (count >= min && count <= max) return undefined;
  return {
    code: "WFX_COMPLEXITY_BOUNDS",
    path: "agents",
    message: `the workflow has ${count} agent${count === 1 ? "" : "s"}, but ${boundsText(complexity)}`,
    hint: count > max ? `merge or drop agents until there are at most ${max}` : `split the work over at least ${min} agents`,
  };
}
