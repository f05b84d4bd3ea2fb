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
}

export interface WorkflowGenerator {
  generate(request: GenerateWorkflowRequest, options?: { signal?: AbortSignal }): Promise<GenerateWorkflowResult>;
}
