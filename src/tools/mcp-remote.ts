import { resolve } from "node:path";
import type { Transport } from "@modelcontextprotocol/client";
import { z } from "zod";
import { backoffDelay, type BackoffPolicy } from "../actors/index.js";
import { CALLER_POLICY_SETTING } from "../config/index.js";
import { callerDenied, cancelled, throwIfAborted, ToolError } from "./errors.js";
import { secretHeaders, withToolSecrets } from "./tool-secrets.js";
import { parseToolSettings } from "./tool-settings.js";
import type { Tool, ToolCallContext, ToolFactory } from "./types.js";

/** The MCP client SDK, loaded on the first remote call: a process that calls no MCP server never pays for it. */
let clientSdk: Promise<[typeof import("@modelcontextprotocol/client"), typeof import("@modelcontextprotocol/client/stdio")]> | undefined;
const mcpClientSdk = () => (clientSdk ??= Promise.all([import("@modelcontextprotocol/client"), import("@modelcontextprotocol/client/stdio")]));

export const mcpRemoteArgsSchema = z.strictObject({
  method: z.string().min(1).describe("name of the remote tool to call; 'tools/list' lists the server's tools"),
  params: z.record(z.string(), z.unknown()).optional().describe("the remote tool's arguments"),
});
export type McpRemoteArgs = z.infer<typeof mcpRemoteArgsSchema>;

const settingsSchema = z.strictObject({
  /** Extra environment for a stdio server (it otherwise gets only the MCP SDK's safe default variables). */
  env: z.record(z.string(), z.string()).optional(),
  cwd: z.string().min(1).optional(),
});

export const LIST_TOOLS_METHOD = "tools/list";
const DEFAULT_TIMEOUT_S = 300;
const CLIENT_INFO = { name: "workflow-executor", version: "0.1.0" };
// Waits before reconnecting: 250 ms, doubling, at most 10 s, the same every time (no jitter).
const RECONNECT_BACKOFF: BackoffPolicy = { initialMs: 250, maxMs: 10_000, multiplier: 2, jitter: 0 };

interface McpRemoteConfig {
  url: string | undefined;
  command: string | undefined;
  args: readonly string[];
  headers: Readonly<Record<string, string>>;
  timeoutMs: number;
  retryCount: number;
  stdioEnv: Readonly<Record<string, string>>;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
}

/** The built-in `mcpremote` tool: calls the tools of a remote MCP server, over Streamable HTTP (`mcp_url`) or stdio (`command`). */
export const mcpRemoteToolFactory: ToolFactory = {
  type: "mcpremote",
  description: "Calls tools of a remote MCP server",
  create(definition, baseDir, context) {
    const settings = parseToolSettings(settingsSchema, definition, "mcpremote", "mcpremote settings are env (for a stdio server) and cwd");
    const url = typeof definition["mcp_url"] === "string" ? definition["mcp_url"] : undefined;
    const command = typeof definition["command"] === "string" ? definition["command"] : undefined;
    if (url === undefined && command === undefined) {
      throw new ToolError("WFX_TOOL_BAD_SETTINGS", `tool '${definition.id}' (mcpremote) needs mcp_url or command`, { hint: 'add mcp_url: "http://host:4020/mcp", or command: and args: for a stdio server' });
    }
    if (context?.caller !== undefined) checkCallerServer(definition.id, url, command, context.caller.mcp_servers);
    const timeout = typeof definition["timeout"] === "number" ? definition["timeout"] : DEFAULT_TIMEOUT_S;
    const config: McpRemoteConfig = Object.freeze({
      url,
      command,
      args: Object.freeze([...((definition["args"] as string[] | undefined) ?? [])]),
      headers: (definition["headers"] as Record<string, string> | undefined) ?? {},
      timeoutMs: timeout * 1000,
      retryCount: typeof definition["retry_count"] === "number" ? definition["retry_count"] : 0,
      stdioEnv: settings.env ?? {},
      cwd: resolve(baseDir, settings.cwd ?? "."),
      env: context?.env ?? {},
    });
    const where = url ?? `${command} ${config.args.join(" ")}`.trim();
    return new McpRemoteTool(definition.id, definition.description ?? `${mcpRemoteToolFactory.description} (${where}); method is the remote tool's name, params its arguments, '${LIST_TOOLS_METHOD}' lists them`, config);
  },
};

/** A caller's workflow never starts a process here, and talks only to MCP servers the operator listed. */
function checkCallerServer(toolId: string, url: string | undefined, command: string | undefined, servers: readonly string[]): void {
  if (command !== undefined) throw callerDenied(`tool '${toolId}' (mcpremote) has command: workflows sent by callers may not start processes on the node`, "use mcp_url with a server the operator lists in caller_policy.mcp_servers");
  if (url !== undefined && !servers.includes(normalUrl(url))) throw callerDenied(`tool '${toolId}' (mcpremote) calls ${url}, which the node's caller policy does not list`, `MCP servers the operator grants callers: ${servers.join(", ") || "(none)"}; only the operator can add one (${CALLER_POLICY_SETTING.mcp_servers})`);
}

function normalUrl(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

/** Failures of the connection itself (worth retrying), as opposed to a tool that ran and reported an error. */
class TransportFailure extends Error {}

class McpRemoteTool implements Tool<McpRemoteArgs> {
  readonly type = "mcpremote";
  readonly inputSchema = mcpRemoteArgsSchema;

  constructor(
    readonly id: string,
    readonly description: string,
    readonly config: McpRemoteConfig,
  ) {}

  /** One session per call: connect, call, close. Connection failures are retried `retry_count` times with backoff. */
  async call(rawArgs: McpRemoteArgs, ctx: ToolCallContext): Promise<unknown> {
    const args = mcpRemoteArgsSchema.parse(rawArgs);
    for (let attempt = 0; ; attempt++) {
      throwIfAborted(ctx.signal, `mcpremote ${args.method}`);
      try {
        return await this.#once(args, ctx.signal);
      } catch (error) {
        if (ctx.signal.aborted) throw cancelled(ctx.signal, `mcpremote ${args.method}`);
        if (!(error instanceof TransportFailure) || attempt >= this.config.retryCount) throw this.#toToolError(error, args);
        await new Promise((r) => setTimeout(r, backoffDelay(RECONNECT_BACKOFF, attempt + 1)));
      }
    }
  }

  async #once(args: McpRemoteArgs, signal: AbortSignal): Promise<unknown> {
    const [sdk, stdio] = await mcpClientSdk();
    const client = new sdk.Client(CLIENT_INFO);
    const options = { signal, timeout: this.config.timeoutMs };
    try {
      await client.connect(this.#transport(sdk, stdio), options).catch((error: unknown) => {
        throw new TransportFailure(`cannot connect: ${(error as Error).message}`, { cause: error });
      });
      if (args.method === LIST_TOOLS_METHOD) {
        const { tools } = await client.listTools(undefined, options);
        return { tools: tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema })) };
      }
      const result = await client.callTool({ name: args.method, arguments: args.params ?? {} }, options);
      const text = (result.content ?? []).flatMap((c) => (c.type === "text" ? [c.text] : [])).join("\n");
      if (result.isError) {
        throw new ToolError("WFX_MCP_TOOL_ERROR", `remote tool '${args.method}' of ${this.id} reported an error: ${text.slice(0, 500) || "(no text)"}`, { hint: "check the params against the remote tool's input schema ('tools/list')" });
      }
      if (result.structuredContent !== undefined) return result.structuredContent;
      if (text !== "" && (result.content ?? []).every((c) => c.type === "text")) return parseMaybeJson(text);
      return result.content;
    } finally {
      await client.close().catch(() => undefined);
    }
  }

  #transport(sdk: typeof import("@modelcontextprotocol/client"), stdio: typeof import("@modelcontextprotocol/client/stdio")): Transport {
    const { url, command } = this.config;
    if (url !== undefined) {
      return new sdk.StreamableHTTPClientTransport(new URL(withToolSecrets(url, this.config.env, "mcp_url", this.id)), { requestInit: { headers: secretHeaders(this.config.headers, this.config.env, this.id) } });
    }
    return new stdio.StdioClientTransport({ command: command!, args: [...this.config.args], env: { ...stdio.getDefaultEnvironment(), ...this.config.stdioEnv }, cwd: this.config.cwd, stderr: "ignore" });
  }

  #toToolError(error: unknown, args: McpRemoteArgs): ToolError {
    if (error instanceof ToolError) return error;
    const where = this.config.url ?? this.config.command;
    const message = error instanceof Error ? error.message : String(error);
    if (/timed? ?out|timeout/i.test(message)) {
      return new ToolError("WFX_MCP_TIMEOUT", `remote tool '${args.method}' at ${where} timed out after ${this.config.timeoutMs / 1000}s`, { hint: "raise the tool's timeout (seconds)", retryable: true, cause: error });
    }
    if (error instanceof TransportFailure) {
      return new ToolError("WFX_MCP_UNREACHABLE", `MCP server ${where} of tool '${this.id}': ${message}`, { hint: "check mcp_url (or command) and that the server runs; retry_count retries connection failures", retryable: true, cause: error });
    }
    return new ToolError("WFX_MCP_CALL_FAILED", `remote tool '${args.method}' at ${where} failed: ${message}`, { hint: "check the method name ('tools/list' lists them) and its params", cause: error });
  }
}

function parseMaybeJson(text: string): unknown {
  const trimmed = text.trim();
  if (!(trimmed.startsWith("{") || trimmed.startsWith("["))) return text;
  try {
    return JSON.parse(trimmed);
  } catch {
    return text;
  }
}
