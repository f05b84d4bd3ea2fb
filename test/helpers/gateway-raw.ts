import * as grpc from "@grpc/grpc-js";
import { errorBodyOf, unary, type WfxClient } from "./gateway-grpc.js";

type Msg = Record<string, unknown>;

/** JSON text nested `depth` arrays deep: what an attacker sends (JSON.stringify itself dies on such a value). */
export function deepJson(depth: number): string {
  return "[".repeat(depth) + "]".repeat(depth);
}

/** POSTs `text` as it is, for bodies a client library could not build. */
export async function postText(url: string, text: string, token: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Msg }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...headers }, body: text });
  const body = await res.text();
  return { status: res.status, body: body === "" ? {} : (JSON.parse(body) as Msg) };
}

/** A raw MCP `tools/call` (protocol 2026-07-28) whose `arguments` are the given JSON text. */
export function mcpToolCallText(mcpUrl: string, tool: string, argumentsJson: string, token: string): Promise<{ status: number; body: Msg }> {
  const text = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"${tool}","arguments":${argumentsJson}}}`;
  return postText(mcpUrl, text, token, { accept: "application/json, text/event-stream", "mcp-protocol-version": "2026-07-28" });
}

/** A unary gRPC call's answer, or its status code and WFX error body. */
export async function grpcOutcome(client: WfxClient, rpc: string, request: Msg, token: string): Promise<{ code: number; message?: Msg; error?: Msg }> {
  try {
    return { code: grpc.status.OK, message: await unary(client, rpc, request, { token }) };
  } catch (error) {
    return { code: (error as grpc.ServiceError).code, error: errorBodyOf(error as grpc.ServiceError) };
  }
}
