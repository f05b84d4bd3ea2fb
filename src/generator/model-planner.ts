import { z } from "zod";
import { AgentError, type ChatMessage, type ChatModel } from "../agents/index.js";
import { AgentObjectSchema, ToolDefSchema, WorkflowDefSchema } from "../config/index.js";
import { AGENT_BOUNDS } from "./complexity.js";
import type { DescriptionReading } from "./description-reading.js";
import { fitRulesPrompt } from "./fit-rules.js";
import type { WorkflowDraft } from "./template-planner.js";
import type { Complexity, ExplanationEntry, GenerateWorkflowRequest, GenerationContext, GenerationProblem } from "./types.js";

/** What the model is asked to return: the workflow file schema, minus environment sections and endpoint secrets. */
const GeneratedFileSchema = z.strictObject({
  agents: z.array(AgentObjectSchema.omit({ base_url: true, api_key: true })).min(1),
  tools: z.array(ToolDefSchema).optional(),
  workflows: z.record(z.string(), WorkflowDefSchema),
  /** Which words of the description each step and tool came from; taken out of the file before it is checked. */
  explanation: z.array(z.strictObject({ part: z.string(), words: z.string() })).optional(),
});

export const GENERATION_JSON_SCHEMA: Record<string, unknown> = (() => {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(GeneratedFileSchema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return schema;
})();

export interface ModelPlanInput {
  description: string;
  workflowName: string;
  complexity: Complexity;
  request: GenerateWorkflowRequest;
  toolCatalog: readonly { type: string; description: string }[];
  model: ChatModel;
  repairRounds: number;
  signal: AbortSignal;
  reading: DescriptionReading;
  context: GenerationContext;
  /** Turns a parsed answer into a checked draft: configs applied, validated, bounds enforced. */
  check(draft: WorkflowDraft): GenerationProblem[];
}

export interface ModelPlan {
  draft: WorkflowDraft | undefined;
  problems: GenerationProblem[];
  rounds: number;
  /** The model's own explanation of the last answer. */
  explanation: ExplanationEntry[];
}

function systemPrompt(input: ModelPlanInput): string {
  const { min, max } = AGENT_BOUNDS[input.complexity];
  const configured = Object.entries(input.request.agents_config ?? {});
  const example = {
    agents: [
      { id: "reader", agent_type: "openai", description: "Reads the input files", system_prompt: "You are reader. Read the files named in the input.", tools: ["filesystem"] },
      { id: "writer", agent_type: "openai", description: "Writes the answer", system_prompt: "You are writer. Write a clear answer from the input." },
    ],
    tools: [{ id: "filesystem", type: "filesystem", settings: { root: "./reports" } }],
    workflows: { example: { description: "Read, then write", steps: [{ id: "reader", agent: "reader", input: "${user_input}" }, { id: "writer", agent: "writer", input: "${reader.output}", output: { to: "user" } }] } },
  };
  return [
    "You design workflows for Workflow Executor. Answer with one JSON object and nothing else: a workflow file with `agents`, optional `tools`, and `workflows`.",
    "Rules:",
    `- Between ${min} and ${max} agents (this is a ${input.complexity} workflow). Each agent: {id, agent_type: "openai", description, system_prompt, tools?}. Ids use letters, digits, _ and -, starting with a letter.`,
    `- Tool types that exist (use no others): ${input.toolCatalog.map((t) => `${t.type} (${t.description})`).join("; ")}. Declare a tool under tools as {id, type, settings?}; filesystem and codebase_indexer take settings {root: "<folder>"} ("." when none is named). mcpremote needs mcp_url, so use it only for an MCP server URL the description names.`,
    `- One workflow, named "${input.workflowName}": {description, steps}. Each step: {id, agent, input}. The first step's input is "\${user_input}"; a later step reads an earlier one with "\${<step id>.output}"; an input may be an object of such references, to combine steps that ran in parallel. Steps whose inputs reference the same earlier step run in parallel. The last step has output: {to: "user"}.`,
    ...fitRulesPrompt(input.reading, input.context),
    ...(configured.length > 0 ? [`- Include these agents with these settings: ${JSON.stringify(Object.fromEntries(configured))}.`] : []),
    `Example (2 agents): ${JSON.stringify(example)}`,
  ].join("\n");
}

function repairPrompt(problems: readonly GenerationProblem[]): string {
  const lines = problems.slice(0, 30).map((p) => `- ${p.path || "(file)"}: ${p.message} (hint: ${p.hint})`);
  return `The workflow you returned has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${lines.join("\n")}\nReturn the complete corrected workflow as one JSON object.`;
}

/** The JSON in an answer, with or without a Markdown fence around it. */
export function parseAnswer(content: string): { data: unknown } | { problem: GenerationProblem } {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(content);
  const text = (fenced ? fenced[1]! : content).trim();
  try {
    return { data: JSON.parse(text) };
  } catch (error) {
    return { problem: { code: "WFX_MODEL_OUTPUT_NOT_JSON", path: "", message: `the answer is not JSON: ${(error as Error).message}`, hint: "answer with a single JSON object, no prose around it" } };
  }
}

/** A parsed answer as a draft: an object with agents and workflows, the main workflow under the requested name. */
function toDraft(data: unknown, workflowName: string): { draft: WorkflowDraft; explanation: ExplanationEntry[] } | { problem: GenerationProblem } {
  const shape = (message: string): { problem: GenerationProblem } => ({ problem: { code: "WFX_INVALID_TYPE", path: "", message, hint: "return {agents: [...], tools: [...], workflows: {name: {steps: [...]}}}" } });
  if (data === null || typeof data !== "object" || Array.isArray(data)) return shape("the answer is not a JSON object");
  const file = data as Record<string, unknown>;
  if (!Array.isArray(file["agents"])) return shape("the answer has no agents list");
  const workflows = file["workflows"];
  if (workflows === null || typeof workflows !== "object" || Array.isArray(workflows) || Object.keys(workflows).length === 0) return shape("the answer has no workflows mapping");
  const entries = Object.entries(workflows as Record<string, unknown>);
  // The requested name is the contract with the caller; the model's own key for the main workflow is not.
  const main = entries.find(([name]) => name === workflowName) ?? entries[0]!;
  const renamed = Object.fromEntries([[workflowName, main[1]], ...entries.filter((e) => e !== main)]);
  const agents = (file["agents"] as unknown[]).map((a) => {
    if (a === null || typeof a !== "object" || Array.isArray(a)) return a;
    const { base_url: _b, api_key: _k, ...rest } = a as Record<string, unknown>;
    return rest;
  });
  const { explanation, ...rest } = file;
  const given = Array.isArray(explanation) ? (explanation as Partial<ExplanationEntry>[]).filter((e): e is ExplanationEntry => typeof e?.part === "string" && typeof e?.words === "string") : [];
  return { draft: { ...rest, agents, workflows: renamed } as WorkflowDraft, explanation: given };
}

/**
 * The model planner: asks for the workflow as structured output (the JSON Schema of the workflow file), checks it,
 * and sends the problems back for up to `repairRounds` more answers. Never returns an unchecked workflow.
 */
export async function planWithModel(input: ModelPlanInput): Promise<ModelPlan> {
  const messages: ChatMessage[] = [
    { role: "system", content: systemPrompt(input) },
    { role: "user", content: `Workflow description: ${input.description}` },
  ];
  let structured = true;
  let draft: WorkflowDraft | undefined;
  let problems: GenerationProblem[] = [];
  let explanation: ExplanationEntry[] = [];
  for (let round = 1; round <= 1 + input.repairRounds; round++) {
    let content: string;
    try {
      content = (await input.model.complete({ messages, stream: false, temperature: 0.2, ...(structured ? { jsonSchema: { name: "workflow_file", schema: GENERATION_JSON_SCHEMA } } : {}) }, { signal: input.signal })).content;
    } catch (error) {
      // Some OpenAI-compatible servers refuse response_format; the prompt alone asks for JSON too.
      if (structured && error instanceof AgentError && error.code === "WFX_MODEL_BAD_REQUEST") {
        structured = false;
        round--;
        continue;
      }
      throw error;
    }
    messages.push({ role: "assistant", content });
    const parsed = parseAnswer(content);
    const shaped = "data" in parsed ? toDraft(parsed.data, input.workflowName) : parsed;
    if ("draft" in shaped) {
      draft = shaped.draft;
      explanation = shaped.explanation;
      problems = input.check(draft);
    } else {
      problems = [shaped.problem];
    }
    if (problems.length === 0) return { draft, problems, rounds: round, explanation };
    if (round <= input.repairRounds) messages.push({ role: "user", content: repairPrompt(problems) });
  }
  return { draft, problems, rounds: 1 + input.repairRounds, explanation };
}
