import type { IncomingMessage, ServerResponse } from "node:http";
import { toNodeHandler, toWebRequest } from "@modelcontextprotocol/node";
import { createMcpHandler, isLegacyRequest } from "@modelcontextprotocol/server";
import type { Logger } from "../../observability/index.js";
import type { Principal } from "../auth/index.js";
import type { Operations } from "../operations/index.js";
import { LegacySessions } from "./legacy-sessions.js";
import { authInfoFor, mcpServerFactory, type McpServerInfo } from "./mcp-tools.js";

export interface McpHttpEndpoint {
  /** Serves one request to the MCP path; the caller has already authenticated it and checked Host/Origin. */
  handle(req: IncomingMessage, res: ServerResponse, principal: Principal): Promise<void>;
  /** 2025-era sessions open now. */
  readonly sessions: number;
  close(): Promise<void>;
}

export interface McpHttpOptions {
  maxBodyBytes: number;
  logger: Logger;
  sessionIdleMs?: number;
  maxSessions?: number;
}

function rpcError(res: ServerResponse, status: number, code: number, message: string): void {
  const body = JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null });
  res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) });
  res.end(body);
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | "too large"> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return "too large";
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
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
  const legacy = new LegacySessions(factory, { idleMs: options.sessionIdleMs ?? 30 * 60_000, maxSessions: options.maxSessions ?? 1000, maxBodyBytes: options.maxBodyBytes, onerror });
  return {
    async handle(req, res, principal) {
      let parsed: unknown;
      if (req.method === "POST") {
        const body = await readBody(req, options.maxBodyBytes);
        if (body === "too large") return rpcError(res, 413, -32000, `request body is over ${options.maxBodyBytes} bytes (the node's cap)`);
        try {
          parsed = JSON.parse(body.toString("utf8"));
        } catch {
          return rpcError(res, 400, -32700, "Parse error: the body is not JSON");
        }
      }
      const authed = Object.assign(req, { auth: authInfoFor(principal) });
      if (await isLegacyRequest(await toWebRequest(authed, parsed), parsed, { maxRequestBodySize: options.maxBodyBytes })) {
        return legacy.handle(authed, res, principal, parsed);
      }
      return serveModern(authed as Parameters<typeof serveModern>[0], res, parsed);
    },
    get sessions() {
      return legacy.size;
    },
    async close() {
      await legacy.close();
      await modern.close();
    },
  };
}
