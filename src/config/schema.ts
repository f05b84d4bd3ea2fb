import { z } from "zod";

/** Ids that `${<id>.output}` can name: a letter or `_`, then letters, digits, `_` or `-`. */
export const ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Zod issues raised by our own refinements carry the problem code in `params.code`. */
const coded = (code: string) => ({ params: { code } });

const Id = z
  .string()
  .min(1)
  .refine((s) => ID_PATTERN.test(s), {
    error: "ids may use letters, digits, '_' and '-' and must start with a letter or '_'",
    ...coded("WFX_INVALID_ID"),
  });

const Seconds = z.number({ error: "expected a number of seconds" }).positive({ error: "must be a number of seconds greater than 0" });
const StringList = z.array(z.string().min(1));

/** A preferred node tag: bare (weight 50, Nomad's default affinity) or with a weight from 1 to 100 (Kubernetes' range). */
export const PreferenceSchema = z.union([z.string().min(1), z.strictObject({ tag: z.string().min(1), weight: z.number().int().min(1).max(100) })], {
  error: "a preference is a tag or { tag, weight } with weight 1 to 100",
});
export type Preference = z.infer<typeof PreferenceSchema>;

export const PlacementSchema = z.strictObject({
  /** Hard requirement: the node must carry every tag. */
  tags: StringList.optional(),
  /** Soft: among the nodes that fit, those carrying preferred tags (highest total weight) win. */
  prefer: z.array(PreferenceSchema).optional(),
  /** Soft: a node carrying any of these tags is chosen only when no other node fits. */
  avoid: StringList.optional(),
  /** Amounts of a node's numeric resources (`gpu: 1`, `memory_gb: 16`) reserved while the step runs. */
  resources: z.record(z.string().min(1), z.number().positive()).optional(),
  /** A node id, or a pool name: the tag its nodes carry. */
  target_instance: z.string().min(1).optional(),
});
export type Placement = z.infer<typeof PlacementSchema>;

export const RetryPolicySchema = z
  .strictObject({
    /** Retries after the first attempt; 0 means run once. */
    max: z.number().int().min(0),
    backoff_ms: z.number().min(0).default(200),
    max_backoff_ms: z.number().min(0).default(30_000),
    multiplier: z.number().min(1).default(2),
    /** Fraction of each delay that is randomised. */
    jitter: z.number().min(0).max(1).default(0.2),
  })
  .refine((r) => r.max_backoff_ms >= r.backoff_ms, { error: "max_backoff_ms must be at least backoff_ms", path: ["max_backoff_ms"] });
export type RetryPolicyDef = z.infer<typeof RetryPolicySchema>;

const BudgetCount = z.number({ error: "expected a whole number" }).int({ error: "must be a whole number" }).min(1, { error: "must be at least 1" });

/** Limits that stop runaway work: reaching one ends the step (an agent's) or the execution (a workflow's, a request's). */
export const BudgetSchema = z.strictObject({
  /** Tokens (prompt + completion, as the endpoints report them) all model calls may use. */
  max_tokens: BudgetCount.optional(),
  max_model_calls: BudgetCount.optional(),
  /** Tool calls agents make (tool steps are not counted). */
  max_tool_calls: BudgetCount.optional(),
});
export type Budget = z.infer<typeof BudgetSchema>;
export const BUDGET_FIELDS = ["max_tokens", "max_model_calls", "max_tool_calls"] as const satisfies readonly (keyof Budget)[];

export const AgentObjectSchema = z.strictObject({
  id: Id,
  agent_type: z.string().min(1).default("openai"),
  model: z.string().min(1).optional(),
  system_prompt: z.string().optional(),
  tools: StringList.optional(),
  base_url: z.string().min(1).optional(),
  api_key: z.string().optional(),
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: z.number().int().min(1).optional(),
  timeout: Seconds.optional(),
  max_turns: z.number().int().min(1).optional(),
  /** Stream tokens (forwarded as step progress); some older local servers need false when tools are offered. */
  stream: z.boolean().optional(),
  description: z.string().optional(),
  /** Bounds this agent's own step (every turn of it); the execution's budget applies as well. */
  budget: BudgetSchema.optional(),
});

/** `- document_processor: Reads and parses documents` (the source document's shorthand) -> `{id, description}`. */
export function normaliseAgentShorthand(value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  if (keys.length !== 1 || Object.hasOwn(AgentObjectSchema.shape, keys[0]!)) return value;
  const id = keys[0]!;
  const body = (value as Record<string, unknown>)[id];
  if (typeof body === "string") return { id, description: body };
  if (body === null) return { id };
  if (typeof body === "object" && !Array.isArray(body)) return { ...(body as object), id };
  return value;
}

export const AgentDefSchema = z.preprocess(normaliseAgentShorthand, AgentObjectSchema);
export type AgentDef = z.infer<typeof AgentDefSchema>;

export const ToolDefSchema = z.strictObject({
  id: Id,
  type: z.string().min(1),
  description: z.string().optional(),
  mcp_url: z.string().min(1).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  timeout: Seconds.optional(),
  retry_count: z.number().int().min(0).optional(),
  settings: z.record(z.string(), z.unknown()).optional(),
  command: z.string().min(1).optional(),
  args: z.array(z.string()).optional(),
});
export type ToolDef = z.infer<typeof ToolDefSchema>;

/** `"./module.js#exportName"` (no `#` means `default`) or `{module, export?}`. */
export const FunctionRefSchema = z.union(
  [z.string().min(1), z.strictObject({ module: z.string().min(1), export: z.string().min(1).optional() })],
  { error: "function must be './module.js#exportName' or { module: ./module.js, export: exportName }" },
);
export type FunctionRef = z.infer<typeof FunctionRefSchema>;

export const OutputSchema = z.strictObject({
  /** `user` (the execution's result) or the id of a step that receives it. */
  to: z.string().min(1),
});

export const STEP_KINDS = ["agent", "tool", "function", "workflow"] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export const StepDefSchema = z
  .strictObject({
    id: Id.optional(),
    description: z.string().optional(),
    agent: z.string().min(1).optional(),
    tool: z.string().min(1).optional(),
    function: FunctionRefSchema.optional(),
    workflow: z.string().min(1).optional(),
    input: z.unknown().optional(),
    args: z.record(z.string(), z.unknown()).optional(),
    /** Agent steps: the tools the agent may call in this step, replacing the agent's own list. */
    tools: StringList.optional(),
    depends_on: z.array(z.string().min(1)).optional(),
    when: z.union([z.string(), z.boolean()], { error: "when must be an expression string or true/false" }).optional(),
    for_each: z.union([z.string(), z.array(z.unknown())], { error: "for_each must be a reference string or a list" }).optional(),
    concurrency: z.number().int().min(1).optional(),
    retry: RetryPolicySchema.optional(),
    /** Safe to run again after a crash cut it short (default: true for agent steps, else only with `retry:`). */
    idempotent: z.boolean().optional(),
    timeout: Seconds.optional(),
    output: OutputSchema.optional(),
    placement: PlacementSchema.optional(),
  })
  .superRefine((step, ctx) => {
    const kinds = STEP_KINDS.filter((k) => step[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: "custom", message: stepKindMessage(kinds), ...coded("WFX_STEP_KIND") });
    }
  });
export type StepDef = z.infer<typeof StepDefSchema>;

export function stepKindMessage(found: readonly string[]): string {
  return found.length === 0
    ? "a step needs one of agent, tool, function or workflow"
    : `a step needs exactly one of agent, tool, function or workflow, found ${found.join(" and ")}`;
}

export const WorkflowDefSchema = z.strictObject({
  description: z.string().optional(),
  steps: z.array(StepDefSchema).min(1, { error: "a workflow needs at least one step" }),
  timeout: Seconds.optional(),
  placement: PlacementSchema.optional(),
  /** Bounds the whole execution, every step and sub-workflow of it; a request may lower it, never raise it. */
  budget: BudgetSchema.optional(),
  /** 0-9, 9 first: the order its executions start in when they wait for a slot; a request's `priority` overrides it. */
  priority: z.number().int().min(0).max(9).optional(),
  /** At most `limit` executions of this workflow run at once per key (a template over input and token; default key: the token). */
  concurrency: z.strictObject({ key: z.string().min(1).max(512).optional(), limit: z.number().int().min(1) }).optional(),
  /** Free-form description of the expected input; not enforced here. */
  inputs: z.unknown().optional(),
  input_schema: z.unknown().optional(),
});
export type WorkflowDef = z.infer<typeof WorkflowDefSchema>;

/** An environment section (`development:` …): the same keys as a file, all optional; merged in by later code. */
export const WorkflowFileOverlaySchema = z.strictObject({
  agents: z.array(AgentDefSchema).optional(),
  tools: z.array(ToolDefSchema).optional(),
  workflows: z.record(z.string(), WorkflowDefSchema).optional(),
});
export type WorkflowFileOverlay = z.infer<typeof WorkflowFileOverlaySchema>;

export const ENVIRONMENT_NAMES = ["development", "staging", "production"] as const;

/** A file's sections (itself, then each environment section it has) with their YAML path prefixes: what a check of every section walks. */
export function fileSections(file: Pick<WorkflowFile, "agents" | "tools" | "workflows" | (typeof ENVIRONMENT_NAMES)[number]>): Array<[section: WorkflowFileOverlay, prefix: string]> {
  const sections: Array<[WorkflowFileOverlay, string]> = [[file, ""]];
  for (const env of ENVIRONMENT_NAMES) if (file[env] !== undefined) sections.push([file[env]!, `${env}.`]);
  return sections;
}

export const WorkflowFileSchema = z.strictObject({
  agents: z.array(AgentDefSchema).optional(),
  tools: z.array(ToolDefSchema).optional(),
  workflows: z.record(z.string(), WorkflowDefSchema),
  development: WorkflowFileOverlaySchema.optional(),
  staging: WorkflowFileOverlaySchema.optional(),
  production: WorkflowFileOverlaySchema.optional(),
});
export type WorkflowFile = z.infer<typeof WorkflowFileSchema>;
