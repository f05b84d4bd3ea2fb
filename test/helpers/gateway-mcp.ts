import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { WFX } from "./cli.js";

export type Era = "2026-07-28" | "2025-11-25";

function client(era: Era): Client {
  return new Client(
    { name: `wfx-test-${era}`, version: "1.0.0" },
    era === "2026-07-28" ? { versionNegotiation: { mode: { pin: "2026-07-28" } } } : {},
  );
}

/** An MCP SDK client over Streamable HTTP speaking the given protocol revision. */
export async function connectHttp(url: string, era: Era, token?: string): Promise<Client> {
  const c = client(era);
  const requestInit: RequestInit = token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } };
  await c.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit }));
  return c;
}

/** How either SDK generation's stdio transport spawns `wfx mcp --stdio` (the two take the same parameters). */
export function stdioServer(args: string[], env: Record<string, string> = {}) {
  return { command: process.execPath, args: [WFX, "mcp", "--stdio", ...args], env: { ...(process.env as Record<string, string>), WFX_LOG_LEVEL: "warn", ...env }, stderr: "ignore" as const };
}

/** An MCP SDK client that spawns `wfx mcp --stdio`. */
export async function connectStdio(era: Era, args: string[], env: Record<string, string> = {}): Promise<Client> {
  const c = client(era);
  await c.connect(new StdioClientTransport(stdioServer(args, env)));
  return c;
}

/** Structured content of a tool result, or a thrown error carrying the tool error's text. */
export async function callJson(c: Client, name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const result = await c.callTool({ name, arguments: args });
  if (result.isError) throw Object.assign(new Error(String((result.content[0] as { text?: string })?.text)), { structured: result.structuredContent });
  return result.structuredContent as Record<string, unknown>;
}
