import { callerTrace } from "../../observability/index.js";
import { McpServer, type AuthInfo, type CallToolResult, type McpServerFactory, type ServerContext } from "@modelcontextprotocol/server";
import type { ExecutionEvent, ExecutionRecord } from "../../engine/internal.js";
import type { Principal, Scope } from "../auth/index.js";
import { errorBody, eventAnswer, METHODS, type MethodSpec, type Operations, type ServerPaths } from "../operations/index.js";
import { declaredSchema } from "./declared-schema.js";
import { registerAssistantPrompts } from "./mcp-prompts.js";
import { registerResources, serveLegacySubscriptions } from "./mcp-resources.js";
import { toolOutputSchema } from "./tool-output-schema.js";

export interface McpServerInfo {
  name: string;
  version: string;
}

const INSTRUCTIONS =
  "Runs AI workflows. list_workflows shows what this node offers; execute_workflow runs one (sync waits and reports progress, async returns an execution_id to follow with check_execution_status or watch_execution); cancel_execution stops it.";

const NO_SCOPES: Principal = Object.freeze({ id: "anonymous", scopes: new Set<Scope>() });

/** The authenticated caller the HTTP gateway attached to the request (see mcp-http.ts). */
export function principalOf(authInfo: AuthInfo | undefined, fallback: Principal): Principal {
  const principal = authInfo?.extra?.["principal"] as Principal | undefined;
  return principal ?? fallback;
}

export function authInfoFor(principal: Principal): AuthInfo {
  return { token: "", clientId: principal.id, scopes: [...principal.scopes], extra: { principal } };
}

function toolError(error: unknown, paths: ServerPaths): CallToolResult {
  const body = errorBody(error, paths);
  const lines = [`${String(body["code"])}: ${String(body["message"])}`];
  if (body["hint"] !== undefined) lines.push(`hint: ${String(body["hint"])}`);
  if (body["actionable_feedback"] !== undefined) lines.push(`actionable_feedback: ${JSON.stringify(body["actionable_feedback"])}`);
  return { content: [{ type: "text", text: lines.join("\n") }], structuredContent: body, isError: true };
}

const LOGGED = new Set(["step.failed", "step.retrying"]);

/**
 * A sync execution's step events become `notifications/progress` when the client sent a progress token (progress is
 * the event's sequence number, so it only grows); failed and retried steps are also sent as log messages.
 */
function eventListener(ctx: ServerContext, paths: ServerPaths): (event: ExecutionEvent, record: ExecutionRecord) => void {
  const token = ctx.mcpReq._meta?.progressToken;
  return (event, record) => {
    if (!event.type.startsWith("step.")) return;
    const message = `${event.type}${event.step === undefined ? "" : ` ${event.step}`}: ${record.progress.message}`;
    if (token !== undefined) ctx.mcpReq.notify({ method: "notifications/progress", params: { progressToken: token, progress: event.seq, message } }).catch(() => {});
    if (LOGGED.has(event.type)) ctx.mcpReq.log("warning", { execution_id: event.execution_id, event: event.type, step: event.step, attempt: event.attempt, data: eventAnswer(event, paths).data }, "wfx").catch(() => {});
  };
}

/**
 * Aborted when the client cancels the request or its HTTP connection goes away (a 2026-07-28 client cancels by
 * disconnecting). Listeners are removed when the call ends: AbortSignal.any would leave them on long-lived signals.
 */
function callerSignal(ctx: ServerContext): { signal: AbortSignal; release(): void } {
  const sources = [ctx.mcpReq.signal, ctx.http?.req?.signal].filter((s): s is AbortSignal => s !== undefined);
  const controller = new AbortController();
  const abort = () => controller.abort();
  for (const source of sources) {
    if (source.aborted) controller.abort();
    else source.addEventListener("abort", abort, { once: true });
  }
  return { signal: controller.signal, release: () => sources.forEach((s) => s.removeEventListener("abort", abort)) };
}

/** What `registerTool` is told about a method: the same for every server, so built once (a server is built per request). */
function toolConfig(spec: MethodSpec) {
  return {
    title: spec.title,
    description: spec.description,
    inputSchema: declaredSchema(spec.input.jsonSchema),
    outputSchema: declaredSchema(toolOutputSchema(spec.outputJsonSchema)),
    annotations: { title: spec.title, ...spec.annotations },
  };
}

function registerMethod(server: McpServer, spec: MethodSpec, config: ReturnType<typeof toolConfig>, operations: Operations, principal: Principal, gateway: string): void {
  server.registerTool(
    spec.name,
    config,
    async (args: unknown, ctx: ServerContext): Promise<CallToolResult> => {
      const caller = callerSignal(ctx);
      try {
        const trace = callerTrace(ctx.mcpReq._meta?.["traceparent"], ctx.mcpReq._meta?.["tracestate"]);
        const result = await operations.call(spec.name, args, { principal, gateway, signal: caller.signal, onEvent: eventListener(ctx, operations.deps.paths), trace });
        return { content: [{ type: "text", text: JSON.stringify(result) }], structuredContent: result };
      } catch (error) {
        return toolError(error, operations.deps.paths);
      } finally {
        caller.release();
      }
    },
  );
}

/** One McpServer per HTTP request or stdio connection, all serving the same tools, prompts and resources over the shared operations. */
export function mcpServerFactory(operations: Operations, info: McpServerInfo, gateway: string, fallback: Principal = NO_SCOPES): McpServerFactory {
  const configs = METHODS.map(toolConfig);
  return (ctx) => {
    const principal = principalOf(ctx.authInfo, fallback);
    const server = new McpServer({ name: info.name, version: info.version }, { capabilities: { tools: { listChanged: false }, prompts: { listChanged: false }, resources: { subscribe: true, listChanged: false }, logging: {} }, instructions: INSTRUCTIONS });
    METHODS.forEach((spec, i) => registerMethod(server, spec, configs[i]!, operations, principal, gateway));
    registerAssistantPrompts(server, operations, principal, gateway);
    registerResources(server, operations, principal, gateway);
    // A 2025-era server lives as long as its session or connection; a 2026-07-28 one answers one request (mcp-http.ts serves its subscriptions).
    if (ctx.era === "legacy") serveLegacySubscriptions(server, operations, principal, gateway);
    return server;
  };
}
