import { z } from "zod";
import { BudgetSchema } from "../../config/index.js";
import { MAX_IDEMPOTENCY_KEY_LENGTH } from "../../engine/internal.js";

/** Input and output schemas of every gateway method; parameter and field names are the source document's. */

const MAX_YAML_BYTES = 1024 * 1024;
const Seconds = z.number().positive().max(7 * 24 * 3600);
const JsonObject = z.record(z.string(), z.unknown());
const ExecutionMode = z.enum(["sync", "async", "isolated"]);
const ExecutionId = z.string().min(1).max(200).describe("The id execute_workflow returned");

const workflowSource = {
  workflow_name: z.string().min(1).max(256).optional().describe("A workflow in the node's workflow directories (see list_workflows), or which workflow of workflow_config / workflow_yaml to run"),
  workflow_config: JsonObject.optional().describe("An inline workflow file as an object ({agents?, tools?, workflows: {name: {steps: [...]}}}), validated like a file"),
  workflow_yaml: z.string().min(1).max(MAX_YAML_BYTES).optional().describe("An inline workflow file as YAML text, validated like a file"),
};

const runFields = {
  input_data: z.unknown().optional().describe("The workflow's input: ${input.x} and ${user_input} read it"),
  execution_mode: ExecutionMode.default("sync").describe("sync waits for the result (progress notifications while it runs); async and isolated return the execution id at once"),
  timeout: Seconds.optional().describe("Seconds the execution may run (a sync call waits at most this long)"),
  target_instance: z.string().min(1).max(256).optional().describe("In a cluster: the node id, or the pool (a tag its nodes carry), to run it on, e.g. gpu_workflow_executor"),
  target_tags: z.array(z.string().min(1).max(128)).max(32).optional().describe("In a cluster: tags the node that runs it must all carry, e.g. [\"eu\"]"),
  idempotency_key: z.string().min(1).max(MAX_IDEMPOTENCY_KEY_LENGTH).optional().describe("Sent again with the same request (within the node's window, 24 h by default), answers with the execution it started instead of starting another"),
  priority: z.number().int().min(0).max(9).optional().describe("0-9, 9 first: the order it starts in when it has to wait for a slot (default: the workflow's `priority:`, else 5; above the token's max_priority it is lowered to that cap)"),
  budget: BudgetSchema.optional().describe("Limits for this execution, {max_tokens, max_model_calls, max_tool_calls}: may lower the workflow's budget, never raise it (nor pass the node's caller policy max_budget); reaching one fails the execution with WFX_BUDGET_EXCEEDED"),
};

type SourceArgs = { workflow_name?: string | undefined; workflow_config?: unknown; workflow_yaml?: string | undefined };

function oneSource(requireName: boolean) {
  return (args: SourceArgs, ctx: z.RefinementCtx) => {
    if (args.workflow_config !== undefined && args.workflow_yaml !== undefined) {
      ctx.addIssue({ code: "custom", path: ["workflow_yaml"], message: "give workflow_config or workflow_yaml, not both" });
    }
    if (requireName && args.workflow_name === undefined && args.workflow_config === undefined && args.workflow_yaml === undefined) {
      ctx.addIssue({ code: "custom", path: ["workflow_name"], message: "required unless workflow_config or workflow_yaml is given" });
    }
  };
}

export const ExecuteWorkflowInput = z
  .strictObject({
    ...workflowSource,
    ...runFields,
    config_override: JsonObject.optional().describe("Merged into the workflow file before validation: {agents: {id: {...}}, tools: {id: {...}}, workflows: {name: {...}}}"),
  })
  .superRefine(oneSource(true));

const generateFields = {
  workflow_description: z.string().min(1).max(20_000).describe("What the workflow should do, in plain language"),
  workflow_name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*$/).max(128).optional().describe("Name for the generated workflow"),
  complexity: z.enum(["simple", "medium", "complex"]).optional().describe("simple: 1-2 agents; medium: 3-4; complex: 5-8"),
  agents_config: z.record(z.string(), JsonObject).optional().describe("Agents to add or override, keyed by agent id"),
  tools_config: z.record(z.string(), JsonObject).optional().describe("Tools to add, keyed by tool id"),
};

export const GenerateWorkflowInput = z.strictObject(generateFields);
export const ExecuteGeneratedWorkflowInput = z.strictObject({ ...generateFields, ...runFields });
export const CheckExecutionStatusInput = z.strictObject({ execution_id: ExecutionId });
export const CancelExecutionInput = z.strictObject({ execution_id: ExecutionId, reason: z.string().max(500).optional().describe("Recorded with the cancellation") });
export const ListWorkflowsInput = z.strictObject({
  config_path: z.string().min(1).optional().describe("One of the node's workflow directories (default: all of them)"),
  pattern: z.string().min(1).max(200).optional().describe('Glob of files to read, e.g. "*.yaml" (default: every .yaml/.yml file)'),
});
export const ValidateWorkflowInput = z
  .strictObject({ ...workflowSource, config_override: JsonObject.optional().describe("Merged in before validation, as for execute_workflow") })
  .superRefine(oneSource(true));
export const WatchExecutionInput = z.strictObject({
  execution_id: ExecutionId,
  after_seq: z.number().int().min(0).default(0).describe("Return events after this sequence number (the last_seq of the previous answer)"),
  max_events: z.number().int().min(1).max(1000).default(200).describe("At most this many events per answer"),
  wait: z.number().min(0).max(60).default(25).describe("Seconds to wait for a new event when none is pending"),
});
const StoredStatus = z.enum(["pending", "queued", "running", "completed", "failed", "timeout", "cancelled"]);
const EpochSeconds = z.number().min(0);
export const ListExecutionsInput = z.strictObject({
  status: StoredStatus.optional().describe("Only executions with this status"),
  workflow_name: z.string().min(1).max(256).optional().describe("Only executions of this workflow"),
  node: z.string().min(1).max(256).optional().describe("Only executions supervised by this node"),
  since: EpochSeconds.optional().describe("Only executions started at or after this time (epoch seconds)"),
  until: EpochSeconds.optional().describe("Only executions started before this time (epoch seconds)"),
  limit: z.number().int().min(1).max(500).default(50).describe("At most this many executions per page"),
  offset: z.number().int().min(0).default(0).describe("Skip this many (newest first) for the next page"),
});
export const ListNodesInput = z.strictObject({ tags: z.array(z.string().min(1)).optional().describe("Only nodes carrying all of these tags") });

const ErrorInfo = z.object({ code: z.string(), message: z.string(), hint: z.string().optional() });
const TokenCounts = z.object({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number() });
const UsageOutput = z
  .object({
    tokens: TokenCounts.optional(),
    by_model: z.record(z.string(), z.object({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number(), calls: z.number(), unknown_usage_calls: z.number() })).optional(),
    model_calls: z.number().optional(),
    unknown_usage_calls: z.number().optional().describe("Model calls whose endpoint reported no usage: their tokens are not in the totals"),
    tool_calls: z.number().optional(),
    wall_ms: z.number().optional(),
    cpu_ms: z.number().optional(),
    isolated: z.object({ cpu_ms: z.number(), peak_rss_bytes: z.number() }).optional().describe("An isolated execution's own process, as it measured itself"),
    estimated_cost: z.object({ amount: z.number(), currency: z.string(), estimate: z.literal(true), unpriced_models: z.array(z.string()).optional() }).optional().describe("From the node's price table: an estimate, not a bill"),
  })
  .describe("What it used: tokens by model as the endpoints reported them, model and tool calls, wall and CPU time");
const ExecutionStatus = z.enum(["pending", "queued", "running", "completed", "failed", "timeout", "cancelled", "not_found"]);

export const ExecutionOutput = z.object({
  execution_id: z.string(),
  status: ExecutionStatus,
  message: z.string(),
  workflow_name: z.string().optional(),
  execution_mode: ExecutionMode.optional(),
  start_time: z.number().optional().describe("Epoch seconds"),
  end_time: z.number().optional(),
  elapsed_time: z.number().optional().describe("Seconds"),
  progress: z.object({ completed_steps: z.number(), total_steps: z.number(), current: z.array(z.string()), message: z.string() }).optional(),
  steps: z
    .array(z.object({ id: z.string(), status: z.string(), attempts: z.number(), node: z.string(), started: z.number().optional(), ended: z.number().optional(), output: z.unknown().optional(), error: ErrorInfo.optional(), usage: UsageOutput.optional() }))
    .optional(),
  result: z.unknown().optional(),
  error: ErrorInfo.optional(),
  node: z.string().optional(),
  workflow_file: z.string().optional(),
  usage: UsageOutput.optional(),
  trace_id: z.string().optional().describe("W3C trace id of the execution's spans, when the node exports traces"),
  queue: z
    .object({ priority: z.number(), key: z.string(), position: z.number(), reason: z.string(), queued_at: z.number() })
    .optional()
    .describe("While queued: its priority (0-9), concurrency key, position (1 = next) and which limit holds it"),
});

const Problem = z.object({ code: z.string(), message: z.string(), path: z.string(), hint: z.string(), line: z.number().optional(), column: z.number().optional() });

/** Which words of the description a step, tool or placement rule of a generated workflow came from. */
const GenerationExplanation = z.object({ part: z.string(), words: z.string() });

export const GenerateWorkflowOutput = z.object({
  workflow_name: z.string(),
  workflow_config: JsonObject,
  workflow_yaml: z.string(),
  validation_status: z.enum(["valid", "invalid"]),
  validation_errors: z.array(Problem),
  generator: z.enum(["model", "template"]),
  message: z.string(),
  explanation: z.array(GenerationExplanation),
  warnings: z.array(z.string()),
});

export const ExecuteGeneratedWorkflowOutput = ExecutionOutput.extend({
  generation: z.object({ workflow_name: z.string(), workflow_yaml: z.string(), validation_status: z.enum(["valid", "invalid"]), generator: z.enum(["model", "template"]), explanation: z.array(GenerationExplanation).optional(), warnings: z.array(z.string()).optional() }),
});

export const CancelExecutionOutput = z.object({ execution_id: z.string(), status: ExecutionStatus, cancelled: z.boolean(), message: z.string() });

export const ListWorkflowsOutput = z.object({
  directories: z.array(z.string()),
  pattern: z.string(),
  workflows: z.array(z.object({ name: z.string(), file: z.string(), directory: z.string(), steps: z.number(), description: z.string().optional() })),
  total_count: z.number(),
  invalid_files: z.array(z.object({ file: z.string(), directory: z.string(), error: z.string() })),
});

export const ValidateWorkflowOutput = z.object({ valid: z.boolean(), workflows: z.array(z.string()), problems: z.array(Problem), formatted: z.string() });

export const ExecutionEventOutput = z.object({
  execution_id: z.string(),
  seq: z.number(),
  type: z.string(),
  time: z.number().describe("Epoch milliseconds"),
  step: z.string().optional(),
  attempt: z.number().optional(),
  data: z.unknown().optional(),
});

export const WatchExecutionOutput = z.object({
  execution_id: z.string(),
  status: ExecutionStatus,
  events: z.array(ExecutionEventOutput),
  last_seq: z.number(),
  done: z.boolean().describe("true once the execution has ended and every event was returned"),
  message: z.string(),
});

export const NodeInfoOutput = z.object({
  id: z.string(),
  tags: z.array(z.string()),
  capacity: z.number(),
  load: z.number(),
  gateways: z.array(z.object({ kind: z.enum(["mcp", "http", "grpc"]), address: z.string() })),
  version: z.string(),
  started_at: z.number(),
  status: z.enum(["up", "draining", "down"]),
  instance: z.string().optional().describe("The node process's incarnation: a node restarted under the same id has a new one"),
  resources: z.object({ total: z.record(z.string(), z.number()), free: z.record(z.string(), z.number()) }).optional().describe("Numeric resources (gpu, memory_gb): all the node has, and what its placed steps have not reserved"),
  steps: z.object({ capacity: z.number(), load: z.number() }).optional().describe("Placed steps the node runs at once at most, and runs now"),
});

export const ExecutionSummaryOutput = ExecutionOutput.pick({ execution_id: true, status: true, workflow_name: true, execution_mode: true, start_time: true, end_time: true, elapsed_time: true, progress: true, node: true });

export const ListExecutionsOutput = z.object({
  executions: z.array(ExecutionSummaryOutput).describe("Newest first"),
  total_count: z.number().describe("Executions matching every filter"),
  counts: z.record(z.string(), z.number()).describe("Per status, of the executions matching every filter but status"),
  offset: z.number(),
  limit: z.number(),
});

export const ListNodesOutput = z.object({ nodes: z.array(NodeInfoOutput), total_count: z.number() });

/** Every gateway's error body (see errorBody); loose so a field added later never makes an answer invalid. */
export const ErrorOutput = z.looseObject({
  code: z.string().describe("A stable WFX_… code, see docs/errors.md"),
  message: z.string(),
  hint: z.string().optional().describe("How to fix it"),
  actionable_feedback: z
    .looseObject({ method: z.string(), problems: z.array(z.looseObject({ field: z.string(), message: z.string(), expected: z.string() })), required_fields: z.array(z.string()), optional_fields: z.array(z.string()), example: JsonObject })
    .optional()
    .describe("For a bad request: each wrong field and what it expects"),
});

export type ExecuteWorkflowArgs = z.output<typeof ExecuteWorkflowInput>;
export type GenerateWorkflowArgs = z.output<typeof GenerateWorkflowInput>;
export type ExecuteGeneratedWorkflowArgs = z.output<typeof ExecuteGeneratedWorkflowInput>;
export type ValidateWorkflowArgs = z.output<typeof ValidateWorkflowInput>;
export type WatchExecutionArgs = z.output<typeof WatchExecutionInput>;
export type ExecutionAnswer = z.output<typeof ExecutionOutput>;
export type ExecutionEventAnswer = z.output<typeof ExecutionEventOutput>;
export type ListWorkflowsAnswer = z.output<typeof ListWorkflowsOutput>;
export type ValidateWorkflowAnswer = z.output<typeof ValidateWorkflowOutput>;
export type WatchExecutionAnswer = z.output<typeof WatchExecutionOutput>;
export type CancelExecutionAnswer = z.output<typeof CancelExecutionOutput>;
export type GenerateWorkflowAnswer = z.output<typeof GenerateWorkflowOutput>;
export type ExecuteGeneratedWorkflowAnswer = z.output<typeof ExecuteGeneratedWorkflowOutput>;
export type ListExecutionsArgs = z.output<typeof ListExecutionsInput>;
export type ListExecutionsAnswer = z.output<typeof ListExecutionsOutput>;
export type ListNodesAnswer = z.output<typeof ListNodesOutput>;
