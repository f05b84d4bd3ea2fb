import { z } from "zod";
import type { Scope } from "../auth/index.js";
import { argumentSpec, type ArgumentSpec } from "./arguments.js";
import * as S from "./schemas.js";

export const METHOD_NAMES = [
  "execute_workflow",
  "generate_workflow",
  "execute_generated_workflow",
  "check_execution_status",
  "cancel_execution",
  "list_workflows",
  "validate_workflow",
  "watch_execution",
  "list_nodes",
  "list_executions",
] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

/** MCP tool annotations, stated honestly: running a workflow may write files and call out, so it is not read-only. */
export interface MethodAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export interface MethodSpec {
  name: MethodName;
  title: string;
  description: string;
  scopes: readonly Scope[];
  annotations: MethodAnnotations;
  input: ArgumentSpec<z.ZodType>;
  output: z.ZodType;
  outputJsonSchema: Record<string, unknown>;
}

const READ: MethodAnnotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
const RUN: MethodAnnotations = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true };

function spec(name: MethodName, title: string, description: string, scopes: Scope[], annotations: MethodAnnotations, input: z.ZodType, output: z.ZodType, example: Record<string, unknown>): MethodSpec {
  return Object.freeze({
    name,
    title,
    description,
    scopes: Object.freeze(scopes),
    annotations: Object.freeze(annotations),
    input: argumentSpec(name, input, example),
    output,
    outputJsonSchema: z.toJSONSchema(output, { target: "draft-2020-12", io: "output", unrepresentable: "any" }) as Record<string, unknown>,
  });
}

export const METHODS: readonly MethodSpec[] = Object.freeze([
  spec(
    "execute_workflow",
    "Execute workflow",
    "Run a workflow from the node's workflow directories (workflow_name) or given inline (workflow_config / workflow_yaml). sync waits for the result and sends progress notifications; async and isolated return an execution_id at once.",
    ["execute"],
    RUN,
    S.ExecuteWorkflowInput,
    S.ExecutionOutput,
    { workflow_name: "document_analysis", input_data: { file_path: "/docs/report.pdf" }, execution_mode: "async", timeout: 600 },
  ),
  spec(
    "generate_workflow",
    "Generate workflow",
    "Turn a plain-language description into a validated workflow configuration (agents, tools, workflows), without running it.",
    ["generate"],
    { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    S.GenerateWorkflowInput,
    S.GenerateWorkflowOutput,
    { workflow_description: "Analyze customer feedback, extract insights, and generate action items", complexity: "medium" },
  ),
  spec(
    "execute_generated_workflow",
    "Generate and execute workflow",
    "Generate a workflow from a description and run it in one step (sync, async or isolated).",
    ["generate", "execute"],
    RUN,
    S.ExecuteGeneratedWorkflowInput,
    S.ExecuteGeneratedWorkflowOutput,
    { workflow_description: "Process sales data and create performance dashboard", input_data: { data_source: "/sales/2024_data.csv" }, execution_mode: "isolated" },
  ),
  spec(
    "check_execution_status",
    "Check execution status",
    "Status, progress, steps and (once completed) the result of an execution; status is not_found for an unknown id.",
    ["read"],
    READ,
    S.CheckExecutionStatusInput,
    S.ExecutionOutput,
    { execution_id: "execution-id-123" },
  ),
  spec(
    "cancel_execution",
    "Cancel execution",
    "Cancel a running execution: the running steps are stopped through their abort signal, in every mode.",
    ["execute"],
    { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    S.CancelExecutionInput,
    S.CancelExecutionOutput,
    { execution_id: "execution-id-123" },
  ),
  spec(
    "list_workflows",
    "List workflows",
    "Workflows found in the node's workflow directories (optionally one directory, optionally files matching a pattern).",
    ["read"],
    READ,
    S.ListWorkflowsInput,
    S.ListWorkflowsOutput,
    { pattern: "*.yaml" },
  ),
  spec(
    "list_executions",
    "List executions",
    "Executions newest first, filtered by status, workflow, node and start time, a page at a time, with the count per status.",
    ["read"],
    READ,
    S.ListExecutionsInput,
    S.ListExecutionsOutput,
    { status: "running", limit: 50, offset: 0 },
  ),
  spec(
    "validate_workflow",
    "Validate workflow",
    "Check a workflow (by name, or inline as workflow_config / workflow_yaml) and report every problem with its path, line and a hint.",
    ["read"],
    READ,
    S.ValidateWorkflowInput,
    S.ValidateWorkflowOutput,
    { workflow_yaml: "workflows:\n  main:\n    steps:\n      - tool: filesystem\n        args: { op: list }\n" },
  ),
  spec(
    "watch_execution",
    "Watch execution",
    "Wait (bounded by `wait` seconds) for an execution's next events after after_seq, or its end; call again with the returned last_seq to continue.",
    ["read"],
    READ,
    S.WatchExecutionInput,
    S.WatchExecutionOutput,
    { execution_id: "execution-id-123", after_seq: 0 },
  ),
  spec(
    "list_nodes",
    "List nodes",
    "The nodes that can run workflows: id, tags, capacity, load, gateways, version.",
    ["read"],
    READ,
    S.ListNodesInput,
    S.ListNodesOutput,
    {},
  ),
]);

export const METHODS_BY_NAME: ReadonlyMap<string, MethodSpec> = new Map(METHODS.map((m) => [m.name, m]));
