import { grpcClient, unary } from "../../test/helpers/gateway-grpc.js";
import { connectHttp } from "../../test/helpers/gateway-mcp.js";
import { keepAliveCaller, type RawReply } from "./keep-alive-caller.js";
import type { TimedPath } from "./round-trips.js";

export interface GatewayAddresses {
  httpUrl: string;
  mcpUrl: string;
  grpcAddress: string;
}

/** One way of running the 1-step workflow through a gateway; `library` marks a client library's own cost in the figure. */
export interface CallPath extends TimedPath {
  library: boolean;
}

const ARGS = { workflow_name: "one_step", input_data: 1 };
const JSON_HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

export function expectCompleted(status: unknown, path: string): void {
  if (status !== "completed") throw new Error(`${path}: the round trip ended ${String(status)}`);
}

/** A JSON-RPC result from a plain JSON body or from the `data:` line of a one-event SSE body (2025 sessions answer so). */
function rpcResult(reply: RawReply): Record<string, unknown> {
  const json = reply.text.startsWith("{") ? reply.text : reply.text.split("\n").find((line) => line.startsWith("data: "))?.slice(6);
  const message = JSON.parse(json ?? "{}") as { result?: Record<string, unknown>; error?: unknown };
  if (message.result === undefined) throw new Error(`MCP call failed (HTTP ${reply.status}): ${reply.text.slice(0, 300)}`);
  return message.result;
}

/** The request an MCP SDK client sends for a 2026-07-28 tools/call: the envelope rides in `_meta`, no session. */
function modernToolCall(mcpUrl: string): () => Promise<RawReply> {
  const post = keepAliveCaller(mcpUrl, { ...JSON_HEADERS, "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "execute_workflow" });
  const meta = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientInfo": { name: "wfx-bench", version: "1.0.0" }, "io.modelcontextprotocol/clientCapabilities": {} };
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "execute_workflow", arguments: ARGS, _meta: meta } });
  return () => post(body);
}

/** A 2025-11-25 session opened by hand (initialize, initialized), then tools/call on it. */
async function legacyToolCall(mcpUrl: string): Promise<() => Promise<RawReply>> {
  const open = keepAliveCaller(mcpUrl, JSON_HEADERS);
  const init = await open(JSON.stringify({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "wfx-bench", version: "1.0.0" } } }));
  const session = init.headers["mcp-session-id"];
  if (typeof session !== "string") throw new Error(`initialize opened no session (HTTP ${init.status}): ${init.text.slice(0, 300)}`);
  const post = keepAliveCaller(mcpUrl, { ...JSON_HEADERS, "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" });
  await post(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "execute_workflow", arguments: ARGS } });
  return () => post(body);
}

/** Every path the latency table measures, connected and ready; `close` releases the clients. */
export async function gatewayCallPaths(at: GatewayAddresses): Promise<{ paths: CallPath[]; close(): Promise<void> }> {
  const rest = keepAliveCaller(`${at.httpUrl}/execute_workflow`, { "content-type": "application/json" });
  const restBody = JSON.stringify(ARGS);
  const modern = modernToolCall(at.mcpUrl);
  const legacy = await legacyToolCall(at.mcpUrl);
  const grpc = grpcClient(at.grpcAddress);
  const sdkModern = await connectHttp(at.mcpUrl, "2026-07-28");
  const sdkLegacy = await connectHttp(at.mcpUrl, "2025-11-25");
  const sdkCall = async (client: typeof sdkModern, name: string) => expectCompleted(((await client.callTool({ name: "execute_workflow", arguments: ARGS })).structuredContent as { status?: string } | undefined)?.status, name);
  const paths: CallPath[] = [
    { name: "HTTP POST /execute_workflow", library: false, call: async () => expectCompleted((JSON.parse((await rest(restBody)).text) as { status?: string }).status, "HTTP") },
    { name: "MCP HTTP 2026-07-28 tools/call", library: false, call: async () => expectCompleted((rpcResult(await modern())["structuredContent"] as { status?: string }).status, "MCP 2026") },
    { name: "MCP HTTP 2025-11-25 tools/call", library: false, call: async () => expectCompleted((rpcResult(await legacy())["structuredContent"] as { status?: string }).status, "MCP 2025") },
    { name: "gRPC ExecuteWorkflow", library: false, call: async () => expectCompleted((await unary(grpc, "ExecuteWorkflow", { workflow_name: "one_step", input_data_json: "1" }))["status"], "gRPC") },
    { name: "MCP SDK client, 2026-07-28", library: true, call: () => sdkCall(sdkModern, "MCP SDK 2026") },
    { name: "MCP SDK client, 2025-11-25", library: true, call: () => sdkCall(sdkLegacy, "MCP SDK 2025") },
  ];
  return {
    paths,
    async close() {
      await sdkModern.close();
      await sdkLegacy.close();
      grpc.close();
    },
  };
}
