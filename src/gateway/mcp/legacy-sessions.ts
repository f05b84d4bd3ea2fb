import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { NodeStreamableHTTPServerTransport } from "@modelcontextprotocol/node";
import { isInitializeRequest, type AuthInfo, type McpServerFactory } from "@modelcontextprotocol/server";
import type { Principal } from "../auth/index.js";
import { rpcError } from "./rpc-error.js";

interface Session {
  transport: NodeStreamableHTTPServerTransport;
  close(): Promise<void>;
  principalId: string;
  lastSeen: number;
}

export interface LegacySessionOptions {
  /** A session nobody used for this long is closed. */
  idleMs: number;
  maxSessions: number;
  maxBodyBytes: number;
  onerror: (error: Error) => void;
}

/**
 * 2025-era Streamable HTTP with sessions: a 2025 client cancels a call by POSTing `notifications/cancelled` on its
 * session, which only reaches the running call if the session's server instance still exists. A session belongs to
 * the token that opened it; idle sessions are closed.
 */
export class LegacySessions {
  readonly #sessions = new Map<string, Session>();
  readonly #factory: McpServerFactory;
  readonly #options: LegacySessionOptions;
  readonly #sweeper: NodeJS.Timeout;

  constructor(factory: McpServerFactory, options: LegacySessionOptions) {
    this.#factory = factory;
    this.#options = options;
    this.#sweeper = setInterval(() => void this.#sweep(Date.now() - options.idleMs), Math.min(60_000, options.idleMs)).unref();
  }

  /** `req.auth` carries the caller the gateway authenticated (see mcp-http.ts). */
  async handle(req: IncomingMessage & { auth: AuthInfo }, res: ServerResponse, principal: Principal, parsedBody: unknown): Promise<void> {
    const sessionId = req.headers["mcp-session-id"];
    if (typeof sessionId === "string") {
      const session = this.#sessions.get(sessionId);
      if (session === undefined || session.principalId !== principal.id) return rpcError(res, 404, -32001, "Session not found");
      session.lastSeen = Date.now();
      return session.transport.handleRequest(req, res, parsedBody);
    }
    if (req.method !== "POST" || !isInitializeRequest(parsedBody)) return rpcError(res, 400, -32000, "Bad Request: no valid session id; send initialize first");
    if (this.#sessions.size >= this.#options.maxSessions) await this.#sweep(Date.now() - 60_000);
    if (this.#sessions.size >= this.#options.maxSessions) return rpcError(res, 503, -32000, "Too many open MCP sessions; retry later");
    const server = await this.#factory({ era: "legacy", authInfo: req.auth });
    const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      maxRequestBodySize: this.#options.maxBodyBytes,
      onsessioninitialized: (id) => void this.#sessions.set(id, { transport, close: () => server.close(), principalId: principal.id, lastSeen: Date.now() }),
      onsessionclosed: (id) => void this.#sessions.delete(id),
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) this.#sessions.delete(transport.sessionId);
    };
    transport.onerror = this.#options.onerror;
    await server.connect(transport);
    await transport.handleRequest(req, res, parsedBody);
  }

  async #sweep(idleBefore: number): Promise<void> {
    const idle = [...this.#sessions].filter(([, s]) => s.lastSeen < idleBefore);
    for (const [id] of idle) this.#sessions.delete(id);
    await Promise.allSettled(idle.map(([, s]) => s.close()));
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    await this.#sweep(Infinity);
  }
}
