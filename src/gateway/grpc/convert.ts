import type { ExecutionEvent } from "../../engine/internal.js";
import { InvalidArgumentsError } from "../errors.js";
import type { NodeEvent, NodeInfo } from "../../engine/internal.js";

/** Between proto messages (as proto-loader decodes them: snake_case, defaults filled) and the operations' JSON. */

type Msg = Record<string, unknown>;

const nonEmpty = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const positive = (v: unknown): number | undefined => (typeof v === "number" && v > 0 ? v : undefined);
const json = (v: unknown): string | undefined => (v === undefined ? undefined : JSON.stringify(v));

function parseJsonField(message: Msg, field: string, method: string): unknown {
  const text = nonEmpty(message[field]);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentsError({
      method,
      problems: [{ field, message: `not valid JSON: ${(error as Error).message}`, expected: "JSON text" }],
      required_fields: [],
      optional_fields: [field],
      example: { [field]: '{"file_path": "/docs/report.pdf"}' },
    });
  }
}

/** Drops unset fields so the operations apply their defaults and report missing ones. */
function compact(args: Msg): Msg {
  for (const key of Object.keys(args)) if (args[key] === undefined) delete args[key];
  return args;
}

/** Turns a request message into the method's JSON arguments: `x_json` fields become `x`, empty strings and zeros are unset. */
export function requestToArgs(method: string, message: Msg): Msg {
  const args: Msg = {};
  for (const [key, value] of Object.entries(message)) {
    // `optional` fields: proto-loader names the one set in a synthetic oneof (`_priority`); 0 is a real priority.
    if (key.startsWith("_")) continue;
    if (key === "priority") args[key] = message["_priority"] === "priority" ? value : undefined;
    else if (key.endsWith("_json")) args[key.slice(0, -5)] = parseJsonField(message, key, method);
    else if (typeof value === "string") args[key] = nonEmpty(value);
    else if (typeof value === "number") args[key] = key === "after_seq" ? value : positive(value);
    else if (Array.isArray(value)) args[key] = value.length > 0 ? value : undefined;
    else args[key] = value;
  }
  return compact(args);
}

function errorInfo(error: unknown): Msg | undefined {
  return error === undefined ? undefined : { ...(error as Msg) };
}

export function executionMessage(answer: Msg): Msg {
  const steps = (answer["steps"] as Msg[] | undefined) ?? [];
  return {
    ...answer,
    end_time: answer["end_time"] ?? 0,
    result_json: json(answer["result"]) ?? "",
    error: errorInfo(answer["error"]),
    usage_json: json(answer["usage"]) ?? "",
    queue_json: json(answer["queue"]) ?? "",
    steps: steps.map((s) => ({ ...s, output_json: json(s["output"]) ?? "", usage_json: json(s["usage"]) ?? "", error: errorInfo(s["error"]) })),
  };
}

export function generatedMessage(answer: Msg): Msg {
  return { ...answer, workflow_config_json: json(answer["workflow_config"]) ?? "" };
}

export function eventMessage(event: ExecutionEvent | Msg): Msg {
  return { ...event, data_json: json((event as Msg)["data"]) ?? "" };
}

export function pollMessage(answer: Msg): Msg {
  return { ...answer, events: ((answer["events"] as Msg[]) ?? []).map(eventMessage) };
}

export function nodeMessage(node: NodeInfo): Msg {
  const { resources, ...rest } = node;
  // The public protos use no map<>: each resource is one entry with its name.
  return resources === undefined ? rest : { ...rest, resources: Object.entries(resources.total).map(([name, total]) => ({ name, total, free: resources.free[name] ?? 0 })) };
}

export function nodeEventMessage(event: NodeEvent): Msg {
  return { ...event, node: nodeMessage(event.node) };
}

/** How each unary RPC maps to a method and its answer to a message. */
export const UNARY_METHODS: Readonly<Record<string, { method: string; toMessage: (answer: Msg) => Msg }>> = Object.freeze({
  ExecuteWorkflow: { method: "execute_workflow", toMessage: executionMessage },
  GenerateWorkflow: { method: "generate_workflow", toMessage: generatedMessage },
  ExecuteGeneratedWorkflow: { method: "execute_generated_workflow", toMessage: executionMessage },
  CheckExecutionStatus: { method: "check_execution_status", toMessage: executionMessage },
  CancelExecution: { method: "cancel_execution", toMessage: (a) => a },
  ListWorkflows: { method: "list_workflows", toMessage: (a) => a },
  ValidateWorkflow: { method: "validate_workflow", toMessage: (a) => a },
  PollExecution: { method: "watch_execution", toMessage: pollMessage },
  ListNodes: { method: "list_nodes", toMessage: (a) => a },
});
