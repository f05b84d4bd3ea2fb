import { Client as V1Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport as V1StdioTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport as V1HttpTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { connectHttp, connectStdio, stdioServer, type Era } from "./gateway-mcp.js";

/** The official client of each MCP SDK generation hosts embed: v1 (`@modelcontextprotocol/sdk`) and v2 in both eras. */
export type Generation = "v1" | `v2 ${Era}`;
export const GENERATIONS: readonly Generation[] = ["v1", "v2 2026-07-28", "v2 2025-11-25"];

/** Where the server is: a node's /mcp URL (as `token`), or `wfx mcp --stdio` with these arguments. */
export type McpTarget = { http: string; token?: string } | { stdio: string[]; env?: Record<string, string> };

export interface ToolResult {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content: { type: string; text?: string }[];
}

/** What the tests use of a client, the same for both generations (each validates structuredContent its own way). */
export interface McpCaller {
  listTools(): Promise<{ tools: { name: string; outputSchema?: unknown }[] }>;
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<ToolResult>;
  close(): Promise<void>;
}

async function connectV1(target: McpTarget): Promise<McpCaller> {
  const c = new V1Client({ name: "wfx-test-v1", version: "1.0.0" });
  if ("http" in target) {
    const requestInit: RequestInit = target.token === undefined ? {} : { headers: { authorization: `Bearer ${target.token}` } };
    await c.connect(new V1HttpTransport(new URL(target.http), { requestInit }));
  } else {
    await c.connect(new V1StdioTransport(stdioServer(target.stdio, target.env)));
  }
  return { listTools: () => c.listTools(), callTool: async (params) => (await c.callTool(params)) as ToolResult, close: () => c.close() };
}

/** A connected client of `generation`; v1 negotiates its own (2025-era) protocol revision. */
export async function connectGeneration(generation: Generation, target: McpTarget): Promise<McpCaller> {
  if (generation === "v1") return connectV1(target);
  const era = generation.slice(3) as Era;
  const c = "http" in target ? await connectHttp(target.http, era, target.token) : await connectStdio(era, target.stdio, target.env);
  return { listTools: () => c.listTools(), callTool: async (params) => (await c.callTool(params)) as ToolResult, close: () => c.close() };
}
