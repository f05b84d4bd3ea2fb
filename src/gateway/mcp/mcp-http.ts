import type { IncomingMessage, ServerResponse } from "node:http";
import { toNodeHandler, toWebRequest } from "@modelcontextprotocol/node";
import { createMcpHandler, isLegacyRequest } from "@modelcontextprotocol/server";
import type { Logger } from "../../observability/index.js";
import type { Principal } from "../auth/index.js";
import { checkJsonBounds, type Operations } from "../operations/index.js";
import { GatewayError } from "../errors.js";
import { readBody } from "../http/request-body.js";
import { ExecutionUpdates } from "./execution-updates.js";
import { LegacySessions } from "./legacy-sessions.js";
import { holdListenedResources } from "./listen-subscriptions.js";
import { rpcError } from "./rpc-error.js";
import { authInfoFor, mcpServerFactory, type McpServerInfo } from "./mcp-tools.js";

export interface McpHttpEndpoint {
  /** Serves one request to the MCP path; the caller has already authenticated it and checked Host/Origin. */
  handle(req: IncomingMessage, res: ServerResponse, principal: Principal): Promise<void>;
  close(): Promise<void>;
}

export interface McpHttpOptions {
  maxBodyBytes: number;
  logger: Logger;
  sessionIdleMs?: number;
  maxSessions: number;
  maxSessionsPerToken: number;
}

/** Protocol requests (initialize, tools/list, …) are audited here; tools/call is audited by the operation it runs. */
function auditProtocolRequest(operations: Operations, principal: Principal, parsed: unknown, httpMethod: string | undefined): void {
  const method = typeof parsed === "object" && parsed !== null ? (parsed as { method?: unknown }).method : undefined;
  if (method === "tools/call") return;
  operations.deps.audit.record({ gateway: "mcp", principal: principal.id, method: typeof method === "string" ? `mcp ${method}` : `mcp ${httpMethod ?? "?"}`, outcome: "ok", duration_ms: 0 });
}

/** Levels a JSON-RPC message adds above a tool's argument values: batch, message, params, arguments. */
const ENVELOPE_DEPTH = 4;

/**
 * A body nested deeper than any argument may be, refused before the SDK walks it (recursively: a 200,000-deep body
 * was a stack overflow). Arguments within it are checked precisely, per field, by the operation.
 */
function tooDeepError(parsed: unknown, maxJsonDepth: number): GatewayError | undefined {
  const exceeded = checkJsonBounds(parsed, maxJsonDepth + ENVELOPE_DEPTH);
  if (exceeded === undefined) return undefined;
  return new GatewayError("WFX_INVALID_ARGUMENTS", `${exceeded.path} nests more than ${maxJsonDepth} levels deep (the node's maxJsonDepth)`, { hint: "flatten the value, or send a deep structure as a string" });
}

const MODERN_REVISIONS: readonly string[] = ["2026-07-28"];

/**
 * Which era serves the request. The two common cases are decided from headers (a modern revision in
 * MCP-Protocol-Version, or a 2025 session id); anything else goes through the SDK's own classification, which the
 * modern path agrees with by construction (a modern header without the envelope is the modern path's -32602).
 */
async function isLegacy(req: IncomingMessage, parsed: unknown, maxRequestBodySize: number): Promise<boolean> {
  const version = req.headers["mcp-protocol-version"];
  if (typeof version === "string" && MODERN_REVISIONS.includes(version)) return false;
  if (typeof req.headers["mcp-session-id"] === "string") return true;
  return isLegacyRequest(await toWebRequest(req, parsed), parsed, { maxRequestBodySize });
}

/**
 * Streamable HTTP at one path, both protocol eras from one server factory (so they can never offer different tools):
 * 2026-07-28 requests are served statelessly by the SDK's handler, 2025-era clients get sessions (see LegacySessions).
 */
export function mcpHttpEndpoint(operations: Operations, info: McpServerInfo, options: McpHttpOptions): McpHttpEndpoint {
  const onerror = (error: Error) => options.logger.debug({ err: error }, "mcp request error");
  const factory = mcpServerFactory(operations, info, "mcp");
  const modern = createMcpHandler(factory, { legacy: "reject", maxRequestBodySize: options.maxBodyBytes, onerror });
  const serveModern = toNodeHandler(modern, { maxRequestBodySize: options.maxBodyBytes, onerror });
  const updates = new ExecutionUpdates(operations, "mcp", (uri) => modern.notify.resourceUpdated(uri));
  const legacy = new LegacySessions(factory, { idleMs: options.sessionIdleMs ?? 30 * 60_000, maxSessions: options.maxSessions, maxSessionsPerToken: options.maxSessionsPerToken, maxBodyBytes: options.maxBodyBytes, onerror });
  return {
    async handle(req, res, principal) {
      let parsed: unknown;
      if (req.method === "POST") {
        let body: Buffer;
        try {
          body = await readBody(req, options.maxBodyBytes);
        } catch (error) {
          if (error instanceof GatewayError && error.code === "WFX_PAYLOAD_TOO_LARGE") return rpcError(res, 413, -32000, error.message);
          throw error;
        }
        try {
          parsed = JSON.parse(body.toString("utf8"));
        } catch {
          return rpcError(res, 400, -32700, "Parse error: the body is not JSON");
        }
        const tooDeep = tooDeepError(parsed, operations.deps.engine.options.limits.maxJsonDepth);
        if (tooDeep) return rpcError(res, 400, -32602, `Invalid params: ${tooDeep.message}`, tooDeep.toJSON());
      }
      const authed = Object.assign(req, { auth: authInfoFor(principal) });
      auditProtocolRequest(operations, principal, parsed, req.method);
      if (await isLegacy(authed, parsed, options.maxBodyBytes)) return legacy.handle(authed, res, principal, parsed);
      if (!(await holdListenedResources(parsed, res, principal, updates))) return;
      return serveModern(authed as Parameters<typeof serveModern>[0], res, parsed);
    },
    async close() {
      updates.close();
      await legacy.close();
      await modern.close();
    },
  };
}
