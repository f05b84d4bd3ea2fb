import type { Client } from "@modelcontextprotocol/client";
import type * as grpc from "@grpc/grpc-js";
import { errorBodyOf, unary, type WfxClient } from "./gateway-grpc.js";
import { post } from "./gateway-node.js";

export type Gateway = "http" | "mcp" | "grpc";
export const GATEWAYS: readonly Gateway[] = ["http", "mcp", "grpc"];

/** One answer, whichever gateway gave it: a refusal's code, or the execution's status and error. */
export interface AnyAnswer {
  refused: boolean;
  code?: string;
  status?: string;
  error?: { code?: string; message?: string };
  /** Everything the caller got back, as text, to look for leaked secrets and paths in. */
  text: string;
}

/** The RPC name and `*_json` fields gRPC carries a method's free-form JSON arguments in. */
const GRPC_METHODS: Record<string, string> = { execute_workflow: "ExecuteWorkflow", execute_generated_workflow: "ExecuteGeneratedWorkflow", validate_workflow: "ValidateWorkflow", check_execution_status: "CheckExecutionStatus" };
const JSON_FIELDS = ["input_data", "workflow_config", "config_override", "agents_config", "tools_config"];

function grpcRequest(args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) out[JSON_FIELDS.includes(key) ? `${key}_json` : key] = JSON_FIELDS.includes(key) ? JSON.stringify(value) : value;
  return out;
}

export interface GatewayClients {
  httpUrl: string;
  mcp: Client;
  grpc: WfxClient;
  token: string;
}

/** Calls `method` on one gateway as `token`, the way an outside client would. */
export async function callGateway(gateway: Gateway, clients: GatewayClients, method: string, args: Record<string, unknown>): Promise<AnyAnswer> {
  if (gateway === "http") {
    const { status, body } = await post(clients.httpUrl, method, args, clients.token);
    const text = JSON.stringify(body);
    return status >= 400 ? { refused: true, code: String(body["code"]), text } : answerOf(body, text);
  }
  if (gateway === "mcp") {
    const result = await clients.mcp.callTool({ name: method, arguments: args });
    const body = (result.structuredContent ?? {}) as Record<string, unknown>;
    const text = JSON.stringify(result);
    return result.isError ? { refused: true, code: String(body["code"]), text } : answerOf(body, text);
  }
  try {
    const body = await unary(clients.grpc, GRPC_METHODS[method]!, grpcRequest(args), { token: clients.token });
    return answerOf(body, JSON.stringify(body));
  } catch (error) {
    const body = errorBodyOf(error as grpc.ServiceError);
    return { refused: true, code: String(body["code"]), text: JSON.stringify(body) + String((error as Error).message) };
  }
}

function answerOf(body: Record<string, unknown>, text: string): AnyAnswer {
  const error = body["error"] as AnyAnswer["error"] | undefined;
  return { refused: false, ...(typeof body["status"] === "string" ? { status: body["status"] } : {}), ...(error && error.code ? { error } : {}), text };
}
