import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { NodeStreamableHTTPServerTransport } from "@modelcontextprotocol/node";
import { isInitializeRequest, type AuthInfo, type McpServerFactory } from "@modelcontextprotocol/server";
import type { Principal } from "../auth/index.js";
import { GatewayError } from "../errors.js";
import { rpcError } from "./rpc-error.js";

interface Session {
  transport: NodeStreamableHTTPServerTransport;
  close(): Promise<void>;
  principalId: string;
  lastSeen: number;
  /** Requests whose responses are still open (a running call, a GET event stream); such a session is never evicted. */
  active: number;
}

export interface LegacySessionOptions {
  /** A session nobody used for this long is closed. */
  idleMs: number;
  /** Sessions the node holds in all. */
  maxSessions: number;
  /** Sessions one token (principal id) holds, so one token cannot fill the node. */
  maxSessionsPerToken: number;
  maxBodyBytes: number;
  onerror: (error: Error) => void;
}

/** Sessions idle this long may be closed to make room when the node is full, whoever holds them. */
const RECLAIM_IDLE_MS = 60_000;

/**
 * 2025-era Streamable HTTP with sessions: a 2025 client cancels a call by POSTing `notifications/cancelled` on its
 * session, which only reaches the running call if the session's server instance still exists. A session belongs to
 * the token that opened it; idle sessions are closed.
 *
 * A token at its cap that opens another session replaces its own idlest session that has nothing in flight (as
 * session-limited servers such as Spring Security do by default): clients that crash without DELETE leak sessions,
 * and refusing would lock the token out until they expire, while the replaced session's client is told 404 and, per
 * the spec, simply initializes again. Only when all of the token's sessions are in use is it refused; other tokens'
 * sessions are never touched for it.
 */
export class LegacySessions {
  readonly #sessions = new Map<string, Session>();
  /** Initializes admitted but not yet registered, per principal: they count against the caps (they run concurrently). */
  readonly #opening = new Map<string, number>();
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
      if (session === undefined || session.principalId !== principal.id) return rpcError(res, 404, -32001, "Session not found (closed as idle or replaced by a newer session of the same token); send initialize again");
      session.lastSeen = Date.now();
      session.active++;
      res.once("close", () => {
        session.active--;
        session.lastSeen = Date.now();
      });
      return session.transport.handleRequest(req, res, parsedBody);
    }
    if (req.method !== "POST" || !isInitializeRequest(parsedBody)) return rpcError(res, 400, -32000, "Bad Request: no valid session id; send initialize first");
    const refused = this.#admit(principal.id);
    if (refused !== undefined) return rpcError(res, refused.status, -32000, refused.error.message, refused.error.toJSON());
    let registered = false;
    try {
      const server = await this.#factory({ era: "legacy", authInfo: req.auth });
      const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        maxRequestBodySize: this.#options.maxBodyBytes,
        onsessioninitialized: (id) => {
          registered = true;
          this.#release(principal.id);
          this.#sessions.set(id, { transport, close: () => server.close(), principalId: principal.id, lastSeen: Date.now(), active: 0 });
        },
        onsessionclosed: (id) => void this.#sessions.delete(id),
      });
      transport.onclose = () => {
        if (transport.sessionId !== undefined) this.#sessions.delete(transport.sessionId);
      };
      transport.onerror = this.#options.onerror;
      await server.connect(transport);
      await transport.handleRequest(req, res, parsedBody);
    } finally {
      if (!registered) this.#release(principal.id);
    }
  }

  /** Takes a slot for a new session of `principalId`, making room from its own idle sessions; or says why not. */
  #admit(principalId: string): { status: number; error: GatewayError } | undefined {
    const { maxSessions, maxSessionsPerToken } = this.#options;
    const full = () => this.#count() >= maxSessions;
    const own = () => this.#count(principalId) >= maxSessionsPerToken;
    while (own() || full()) {
      const idlest = this.#idlest(principalId);
      if (idlest === undefined) break;
      void this.#evict([idlest]);
    }
    if (own()) {
      return {
        status: 429,
        error: new GatewayError("WFX_TOO_MANY_SESSIONS", `token '${principalId}' already holds ${maxSessionsPerToken} MCP sessions, all in use (the most one token may hold)`, {
          hint: "end a session (HTTP DELETE with its Mcp-Session-Id) or let its call finish, then initialize again; protocol 2026-07-28 needs no session",
          retryable: true,
        }),
      };
    }
    if (full()) void this.#sweep(Date.now() - RECLAIM_IDLE_MS);
    if (full()) {
      return {
        status: 503,
        error: new GatewayError("WFX_TOO_MANY_SESSIONS", `the node holds as many MCP sessions as it allows (${maxSessions}); retry later`, {
          hint: "idle sessions are closed after a while; protocol 2026-07-28 needs no session",
          retryable: true,
        }),
      };
    }
    this.#opening.set(principalId, (this.#opening.get(principalId) ?? 0) + 1);
    return undefined;
  }

  #release(principalId: string): void {
    const left = (this.#opening.get(principalId) ?? 1) - 1;
    if (left > 0) this.#opening.set(principalId, left);
    else this.#opening.delete(principalId);
  }

  /** Sessions held and being opened, by one principal or in all. */
  #count(principalId?: string): number {
    if (principalId === undefined) return this.#sessions.size + [...this.#opening.values()].reduce((a, b) => a + b, 0);
    let n = this.#opening.get(principalId) ?? 0;
    for (const s of this.#sessions.values()) if (s.principalId === principalId) n++;
    return n;
  }

  /** The principal's least recently used session with nothing in flight. */
  #idlest(principalId: string): string | undefined {
    let found: [string, Session] | undefined;
    for (const entry of this.#sessions) {
      const s = entry[1];
      if (s.principalId === principalId && s.active === 0 && (found === undefined || s.lastSeen < found[1].lastSeen)) found = entry;
    }
    return found?.[0];
  }

  /** Forgets the sessions at once (their slots are free) and closes them. */
  async #evict(ids: string[]): Promise<void> {
    const closing = ids.flatMap((id) => {
      const s = this.#sessions.get(id);
      this.#sessions.delete(id);
      return s === undefined ? [] : [s.close()];
    });
    await Promise.allSettled(closing);
  }

  #sweep(idleBefore: number): Promise<void> {
    return this.#evict([...this.#sessions].filter(([, s]) => s.active === 0 && s.lastSeen < idleBefore).map(([id]) => id));
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    await this.#evict([...this.#sessions.keys()]);
  }
}
