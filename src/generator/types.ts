import type { ModelRateLimiter } from "../agents/index.js";
import type { CallerPolicy } from "../config/index.js";

/** The contract between workflow generation (src/generator) and whoever exposes it (gateways, CLI, tools). */

export type Complexity = "simple" | "medium" | "complex";

/** Parameter names as in the product's source document. */
export interface GenerateWorkflowRequest {
  workflow_description: string;
  workflow_name?: string;
  complexity?: Complexity;
  /** New agents, or overrides of detected ones, keyed by agent id. */
  agents_config?: Record<string, Record<string, unknown>>;
  /** Extra tools, keyed by tool id (each a tool definition without its id). */
  tools_config?: Record<string, Record<string, unknown>>;
  /** Force a planner; default: the model when one is configured, else templates. */
  planner?: "auto" | "model" | "template";
}

export interface GenerationProblem {
  code: string;
  message: string;
  path: string;
  hint: string;
  line?: number;
  column?: number;
}

/** A node as generation sees it: what it offers (a node registry's NodeInfo fits). */
export interface CapabilityNode {
  id: string;
  tags: readonly string[];
  resources?: { total: Readonly<Record<string, number>>; free?: Readonly<Record<string, number>> };
}

/** Where the workflow will run, from whoever asks: the generator shapes the workflow to fit it. */
export interface GenerationContext {
  signal?: AbortSignal;
  /** The nodes the workflow may be placed on (a single node: itself); absent: placement tags are not checked. */
  nodes?: readonly CapabilityNode[];
  /** The caller policy the workflow will run under (a caller's request); absent: the operator's own workflow. */
  policy?: CallerPolicy;
  /** The node's (or cluster's) model rate limiter: the planner's calls reserve their share as agents' do; absent: they go at once. */
  limiter?: ModelRateLimiter;
}

/** Which words of the description a part of the workflow came from. */
export interface ExplanationEntry {
  /** `step summarize`, `tool contracts`, `placement.tags`, … */
  part: string;
  words: string;
}

export interface GenerateWorkflowResult {
  workflow_name: string;
  /** The generated workflow file as an object (agents, tools, workflows). */
  workflow_config: Record<string, unknown>;
  workflow_yaml: string;
  validation_status: "valid" | "invalid";
  validation_errors: GenerationProblem[];
  generator: "model" | "template";
  message: string;
  /** The level the agent count was held to (asked for, or inferred from the description). */
  complexity?: Complexity;
  /** Model answers it took (1 + repair rounds); absent for templates. */
  rounds?: number;
  /** For each step, tool and placement rule: the words of the description it came from. */
  explanation?: ExplanationEntry[];
  /** What the description asked for that was kept out (a tag no node carries, a host the policy refuses), and why. */
  warnings?: string[];
}

export interface WorkflowGenerator {
  generate(request: GenerateWorkflowRequest, options?: GenerationContext): Promise<GenerateWorkflowResult>;
}
