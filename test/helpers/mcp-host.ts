import { Client as V1Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport as V1StdioTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport as V1HttpTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import type { Client } from "@modelcontextprotocol/client";
import { connectHttp, connectStdio, stdioServer, type Era } from "./gateway-mcp.js";
import type { Generation, McpTarget } from "./mcp-generations.js";

/** What an MCP host does with prompts and resources, the same for every SDK generation and era. */
export interface McpHost {
  listPrompts(): Promise<{ name: string; title?: string; arguments?: { name: string; required?: boolean }[] }[]>;
  /** The prompt's text (its one message). */
  getPrompt(name: string, args: Record<string, string>): Promise<string>;
  listResources(): Promise<string[]>;
  listResourceTemplates(): Promise<string[]>;
  readResource(uri: string): Promise<{ text: string; mimeType?: string }>;
  /** Subscribes (resources/subscribe, or subscriptions/listen in 2026-07-28); `onUpdated` gets each updated URI. */
  subscribe(uri: string, onUpdated: (uri: string) => void): Promise<{ close(): Promise<void> }>;
  /** A tool's structured answer. */
  callTool(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

type PromptResult = { messages: { content: { type: string; text?: string } }[] };
type ReadResult = { contents: { text?: string; mimeType?: string }[] };

function promptText(result: PromptResult): string {
  return result.messages.map((m) => m.content.text ?? "").join("\n");
}

function firstContent(result: ReadResult): { text: string; mimeType?: string } {
  const c = result.contents[0]!;
  return { text: c.text ?? "", ...(c.mimeType === undefined ? {} : { mimeType: c.mimeType }) };
}

async function v1Host(target: McpTarget): Promise<McpHost> {
  const c = new V1Client({ name: "wfx-test-host-v1", version: "1.0.0" });
  if ("http" in target) await c.connect(new V1HttpTransport(new URL(target.http), { requestInit: { headers: { authorization: `Bearer ${target.token}` } } }));
  else await c.connect(new V1StdioTransport(stdioServer(target.stdio, target.env)));
  let listener: ((uri: string) => void) | undefined;
  c.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => listener?.(n.params.uri));
  return {
    listPrompts: async () => (await c.listPrompts()).prompts,
    getPrompt: async (name, args) => promptText((await c.getPrompt({ name, arguments: args })) as PromptResult),
    listResources: async () => (await c.listResources()).resources.map((r) => r.uri),
    listResourceTemplates: async () => (await c.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate),
    readResource: async (uri) => firstContent((await c.readResource({ uri })) as ReadResult),
    async subscribe(uri, onUpdated) {
      listener = onUpdated;
      await c.subscribeResource({ uri });
      return { close: async () => void (await c.unsubscribeResource({ uri })) };
    },
    callTool: async (name, args) => (await c.callTool({ name, arguments: args })).structuredContent as Record<string, unknown>,
    close: () => c.close(),
  };
}

function v2Host(c: Client, era: Era): McpHost {
  let listener: ((uri: string) => void) | undefined;
  c.setNotificationHandler("notifications/resources/updated", (n) => listener?.(n.params.uri));
  return {
    listPrompts: async () => (await c.listPrompts()).prompts,
    getPrompt: async (name, args) => promptText((await c.getPrompt({ name, arguments: args })) as PromptResult),
    listResources: async () => (await c.listResources()).resources.map((r) => r.uri),
    listResourceTemplates: async () => (await c.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate),
    readResource: async (uri) => firstContent((await c.readResource({ uri }, { cacheMode: "bypass" } as never)) as ReadResult),
    async subscribe(uri, onUpdated) {
      listener = onUpdated;
      if (era === "2026-07-28") return c.listen({ resourceSubscriptions: [uri] });
      await c.subscribeResource({ uri });
      return { close: async () => void (await c.unsubscribeResource({ uri })) };
    },
    callTool: async (name, args) => (await c.callTool({ name, arguments: args })).structuredContent as Record<string, unknown>,
    close: () => c.close(),
  };
}

/** A host connected to a node's /mcp with `token` (or to `wfx mcp --stdio` with these arguments), through the client of `generation`. */
export async function connectHost(generation: Generation, url: string, token: string): Promise<McpHost>;
export async function connectHost(generation: Generation, target: McpTarget): Promise<McpHost>;
export async function connectHost(generation: Generation, where: string | McpTarget, token?: string): Promise<McpHost> {
  const target: McpTarget = typeof where === "string" ? { http: where, ...(token === undefined ? {} : { token }) } : where;
  if (generation === "v1") return v1Host(target);
  const era = generation.slice(3) as Era;
  return v2Host("http" in target ? await connectHttp(target.http, era, target.token) : await connectStdio(era, target.stdio, target.env), era);
}
